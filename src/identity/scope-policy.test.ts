import { describe, expect, it } from 'vitest';
import { allowedTo, mayHold } from './scope-policy';

describe('who may hold a scope', () => {
  const ann = { email: 'Ann@Example.com', groups: ['Writers'] };

  it('no rule: everyone admitted', () => {
    expect(mayHold(undefined, ann)).toBe(true);
  });

  it('any one of group, address or domain admits; comparisons ignore case', () => {
    expect(mayHold({ groups: ['writers'] }, ann)).toBe(true);
    expect(mayHold({ emails: ['ann@example.COM'] }, ann)).toBe(true);
    expect(mayHold({ domains: ['EXAMPLE.com'] }, ann)).toBe(true);
    expect(mayHold({ groups: ['admins'], emails: ['bob@example.com'], domains: ['corp.example'] }, ann)).toBe(
      false,
    );
  });

  it('a rule that lists nothing admits nobody, and a domain is matched whole', () => {
    expect(mayHold({}, ann)).toBe(false);
    expect(mayHold({ domains: ['ample.com'] }, ann)).toBe(false);
    expect(mayHold({ emails: ['ann@example.com.evil'] }, ann)).toBe(false);
  });

  it('says who may, in words', () => {
    expect(allowedTo({ groups: ['writers'], domains: ['example.com'] })).toBe(
      'only for members of writers; addresses at example.com',
    );
    expect(allowedTo({})).toBe('only for nobody');
  });
});
