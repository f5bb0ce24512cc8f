import { describe, expect, it } from 'vitest';
import { rewriteSseMessages, sseAnswerState } from './sse';

const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
const response = (id: number | string) => ({ jsonrpc: '2.0', id, result: { content: [] } });

describe('sseAnswerState', () => {
  it('is answered when every request has its response and every event is complete', () => {
    expect(sseAnswerState(event(response(1)), new Set([1]))).toBe('answered');
    expect(
      sseAnswerState(event(response('a')) + event({ jsonrpc: '2.0', id: 2, error: {} }), new Set(['a', 2])),
    ).toBe('answered');
    expect(sseAnswerState(event(response(1)).replaceAll('\n', '\r\n'), new Set([1]))).toBe('answered');
  });

  it('waits for a response still to come, or an event still arriving', () => {
    expect(sseAnswerState('', new Set([1]))).toBe('wait');
    expect(sseAnswerState(event(response(1)), new Set([1, 2]))).toBe('wait');
    expect(sseAnswerState(event(response(1)).slice(0, -2), new Set([1]))).toBe('wait');
    expect(sseAnswerState(`${event(response(1))}data: {"jsonrpc"`, new Set([1]))).toBe('wait');
  });

  it('streams when an event is anything but one of the responses', () => {
    const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } };
    expect(sseAnswerState(event(progress), new Set([1]))).toBe('stream');
    expect(sseAnswerState(event({ jsonrpc: '2.0', id: 9, method: 'elicitation/create' }), new Set([9]))).toBe(
      'stream',
    );
    // A priming event (an id and empty data) lets the client resume: it must not be held.
    expect(sseAnswerState('id: 17\ndata: \n\n', new Set([1]))).toBe('stream');
    expect(sseAnswerState(event(response(2)), new Set([1]))).toBe('stream');
    expect(sseAnswerState(': keep-alive\n\n', new Set([1]))).toBe('stream');
  });
});

describe('rewriteSseMessages', () => {
  it('rewrites each JSON event and keeps the rest', () => {
    const text = `id: 3\n${event(response(1))}data: not json\n\n`;
    expect(rewriteSseMessages(text, () => ({ replaced: true }))).toBe(
      'id: 3\nevent: message\ndata: {"replaced":true}\n\ndata: not json\n\n',
    );
  });
});
