import { isComplete, messageText, textMessage, type ChatResponse } from './types';

describe('llm types', () => {
  it('concatenates only text blocks without a separator (Go GetText)', () => {
    const message = { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'tool_use', tool_name: 't' }, { type: 'text', text: 'b' }] };
    expect(messageText(message)).toBe('ab');
    expect(textMessage('user', 'x')).toEqual({ role: 'user', content: [{ type: 'text', text: 'x' }] });
  });

  it('calls a reduction complete only when done and free of diagnostics', () => {
    const base: ChatResponse = { model: 'm', message: textMessage('assistant', 'x'), done: true, diagnostics: [] };
    expect(isComplete(base)).toBe(true);
    expect(isComplete({ ...base, done: false })).toBe(false);
    expect(isComplete({ ...base, diagnostics: [{ code: 'incomplete', detail: 'cut' }] })).toBe(false);
  });
});
