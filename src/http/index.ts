export { type AppDeps, createApp } from './app';
export type { AppEnv } from './context';
export { formValue, formValues, HttpError, isMediaType, readHtmlForm, readJsonObject } from './errors';
export { publicCors } from './middleware/public-cors';
export { createRateLimiter, type RateLimiter } from './rate-limiter';
export { listen, type RunningServer } from './serve';
