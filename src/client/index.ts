export { openInBrowser } from './browser';
export { ClientFailure, describeFailure, type RecordedRequest } from './failure';
export { logout } from './logout';
export { CliOAuthProvider, checkClientMetadataUrl, type PreRegisteredClient } from './provider';
export { describeExpiry, parseToolArguments, renderToolResult, renderTools } from './render';
export { type ClientSession, openClientSession, type SessionOptions } from './session';
export { createFileTokenStore, defaultStatePath, StateFileError, type TokenStore } from './token-store';
export { listAllTools } from './tools';
