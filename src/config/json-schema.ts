import { z } from 'zod';
import { configSchema } from './schema';

/**
 * The configuration file's JSON Schema, generated from the zod schema Gatehouse validates with (so the two
 * cannot drift): the input side — what a file may say, defaults shown, nothing required that has one.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  return {
    ...schema,
    $id: 'https://gatehouse.dev/schema/config.json',
    title: 'Gatehouse configuration',
  };
}
