/**
 * A form generated from a tool's JSON Schema input, and the arguments read back from it. Pure: the page
 * renders `formFields`, the POST goes through `argumentsFromForm`.
 */
export type FieldKind = 'text' | 'number' | 'integer' | 'boolean' | 'select' | 'json';

export interface FormField {
  /** the argument name; the form control is named `arg.<name>` */
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  options?: string[];
  defaultValue?: string;
}

interface PropertySchema {
  type?: unknown;
  enum?: unknown[];
  description?: unknown;
  default?: unknown;
}

interface ObjectSchema {
  properties?: Record<string, PropertySchema>;
  required?: unknown;
}

function kindOf(property: PropertySchema): FieldKind {
  if (Array.isArray(property.enum) && property.enum.every((v) => typeof v === 'string')) return 'select';
  const type = Array.isArray(property.type) ? property.type.find((t) => t !== 'null') : property.type;
  if (type === 'string') return 'text';
  if (type === 'number') return 'number';
  if (type === 'integer') return 'integer';
  if (type === 'boolean') return 'boolean';
  return 'json'; // objects, arrays, unions: typed as JSON
}

export function formFields(inputSchema: unknown): FormField[] {
  const schema = (inputSchema ?? {}) as ObjectSchema;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const kind = kindOf(property);
    const field: FormField = { name, kind, required: required.has(name) };
    if (typeof property.description === 'string') field.description = property.description;
    if (kind === 'select') field.options = (property.enum as string[]).slice();
    if (property.default !== undefined)
      field.defaultValue =
        typeof property.default === 'string' ? property.default : JSON.stringify(property.default);
    return field;
  });
}

export type ArgumentsResult = { ok: true; args: Record<string, unknown> } | { ok: false; errors: string[] };

/** Reads `arg.<name>` values back into typed arguments; an empty optional field is left out. */
export function argumentsFromForm(
  fields: readonly FormField[],
  form: Record<string, unknown>,
): ArgumentsResult {
  const args: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const field of fields) {
    const raw = form[`arg.${field.name}`];
    const text = typeof raw === 'string' ? raw : '';
    if (field.kind === 'boolean') {
      args[field.name] = text === 'on' || text === 'true';
      continue;
    }
    if (text.trim() === '') {
      if (field.required) errors.push(`${field.name} is required`);
      continue;
    }
    switch (field.kind) {
      case 'number':
      case 'integer': {
        const value = Number(text);
        if (!Number.isFinite(value) || (field.kind === 'integer' && !Number.isInteger(value)))
          errors.push(`${field.name} must be ${field.kind === 'integer' ? 'a whole number' : 'a number'}`);
        else args[field.name] = value;
        break;
      }
      case 'select':
        if (!field.options?.includes(text))
          errors.push(`${field.name} must be one of ${field.options?.join(', ')}`);
        else args[field.name] = text;
        break;
      case 'json':
        try {
          args[field.name] = JSON.parse(text);
        } catch {
          errors.push(`${field.name} must be JSON`);
        }
        break;
      default:
        args[field.name] = text;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, args };
}
