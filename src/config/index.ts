export {
  auditConfig,
  decodeKey,
  envName,
  type Finding,
  findPlaceholderValues,
  isLoopbackHost,
  isPlaceholder,
} from './audit';
export { applyEnvOverrides, loadConfig, parseKeyList, readConfigFile, validateConfig } from './load';
export {
  type ConfigInput,
  configSchema,
  type GatehouseConfig,
  ID_TOKEN_ALGORITHMS,
  type IdentityProviderConfig,
} from './schema';
