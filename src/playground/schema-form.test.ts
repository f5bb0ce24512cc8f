import { describe, expect, it } from 'vitest';
import { argumentsFromForm, formFields } from './schema-form';

const schema = {
  type: 'object',
  properties: {
    text: { type: 'string', description: 'What to say' },
    count: { type: 'integer', default: 2 },
    ratio: { type: 'number' },
    loud: { type: 'boolean' },
    mood: { type: 'string', enum: ['calm', 'excited'] },
    tags: { type: 'array', items: { type: 'string' } },
    maybe: { type: ['string', 'null'] },
  },
  required: ['text', 'mood'],
};

describe('a form from a tool input schema', () => {
  it('maps each JSON Schema type to a control, keeping required, description, options and defaults', () => {
    expect(formFields(schema)).toEqual([
      { name: 'text', kind: 'text', required: true, description: 'What to say' },
      { name: 'count', kind: 'integer', required: false, defaultValue: '2' },
      { name: 'ratio', kind: 'number', required: false },
      { name: 'loud', kind: 'boolean', required: false },
      { name: 'mood', kind: 'select', required: true, options: ['calm', 'excited'] },
      { name: 'tags', kind: 'json', required: false },
      { name: 'maybe', kind: 'text', required: false },
    ]);
    expect(formFields(undefined)).toEqual([]);
  });

  it('reads typed arguments back, leaving out empty optional fields', () => {
    expect(
      argumentsFromForm(formFields(schema), {
        'arg.text': 'hi',
        'arg.count': '3',
        'arg.ratio': '0.5',
        'arg.loud': 'on',
        'arg.mood': 'calm',
        'arg.tags': '["a","b"]',
        'arg.maybe': '',
      }),
    ).toEqual({
      ok: true,
      args: { text: 'hi', count: 3, ratio: 0.5, loud: true, mood: 'calm', tags: ['a', 'b'] },
    });
  });

  it('names every field that is missing or malformed', () => {
    expect(
      argumentsFromForm(formFields(schema), {
        'arg.count': '2.5',
        'arg.ratio': 'abc',
        'arg.mood': 'angry',
        'arg.tags': '[oops',
      }),
    ).toEqual({
      ok: false,
      errors: [
        'text is required',
        'count must be a whole number',
        'ratio must be a number',
        'mood must be one of calm, excited',
        'tags must be JSON',
      ],
    });
  });

  it('an unchecked checkbox is false, not missing', () => {
    expect(argumentsFromForm(formFields({ properties: { loud: { type: 'boolean' } } }), {})).toEqual({
      ok: true,
      args: { loud: false },
    });
  });
});
