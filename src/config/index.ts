export {
  auditConfig,
  decodeKey,
  type Finding,
  findPlaceholderValues,
  isLoopbackHost,
  isPlaceholder,
} from './audit';
export { applyEnvOverrides, loadConfig, parseKeyList, readConfigFile, validateConfig } from './load';
export { type ConfigInput, configSchema, type GatehouseConfig } from './schema';
