import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { classifyAddress } from './address';

/**
 * A `lookup` for node:http connections that applies the SSRF guard at connect time: every address a
 * name resolves to must be public (or loopback, when allowed), and the connection uses the address that
 * was checked — a DNS answer that changes later cannot point a pooled upstream at an internal host.
 */
export function guardedLookup(options: { allowLoopback: boolean }): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => {
        const cls = classifyAddress(entry.address);
        return !(cls === 'public' || (cls === 'loopback' && options.allowLoopback));
      });
      const first = addresses[0];
      if (refused || !first) {
        const reason = refused
          ? `${hostname} resolves to a ${classifyAddress(refused.address)} address; refused`
          : `${hostname} does not resolve`;
        return callback(Object.assign(new Error(reason), { code: 'EGUARDED' }), '', 0);
      }
      if (lookupOptions.all) (callback as (e: null, a: typeof addresses) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
