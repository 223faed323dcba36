import fc from 'fast-check';
import { scrubSecretBytes, scrubSecrets } from './body-scrubber';
import { SECRET_SHAPES } from './secret-shapes';

const secrets = SECRET_SHAPES.map(({ example }) => example.replace(/^(?:Bearer|Basic) /, ''));

describe('scrubSecrets', () => {
  it('replaces every known key format in a prompt with its length and counts them', () => {
    const text = `my key is sk-ant-api03-EXAMPLE0nly-abcdefghij0123456789 and my AWS id AKIAIOSFODNN7EXAMPLE.`;
    expect(scrubSecrets(text)).toEqual({ text: 'my key is [redacted:45] and my AWS id [redacted:20].', found: 2 });
  });

  it.each(SECRET_SHAPES)('scrubs $name', ({ example }) => {
    const { text, found } = scrubSecrets(`before ${example} after`);
    expect(found).toBe(1);
    expect(text).toMatch(/^before (?:(?:Bearer|Basic) )?\[redacted:\d+\] after$/);
  });

  it('keeps a request body valid JSON and scrubs tool output and prompts alike', () => {
    const body = JSON.stringify({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: [{ type: 'text', text: `use ${secrets[0]!}` }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: `cat .env\nOPENAI_API_KEY=${secrets[1]!}\nPEM=${secrets.at(-1)!}` }] },
      ],
    });
    const { text, found } = scrubSecrets(body);
    expect(found).toBe(3);
    const parsed = JSON.parse(text) as { messages: Array<{ content: Array<{ text?: string; content?: string }> }> };
    expect(parsed.messages[0]?.content[0]?.text).toBe(`use [redacted:${secrets[0]!.length}]`);
    expect(parsed.messages[1]?.content[0]?.content).toMatch(/^cat \.env\nOPENAI_API_KEY=\[redacted:\d+\]\nPEM=\[redacted:\d+\]$/);
  });

  it('returns text without secrets unchanged', () => {
    const text = 'Bearer authentication and Basic usage; task-0123456789abcdefghijkl; 3f0b6a52-1c2d-4e8f-9a7b-5c6d7e8f9a0b';
    expect(scrubSecrets(text)).toEqual({ text, found: 0 });
  });

  const context = fc.string({ maxLength: 40 });

  it('never returns a secret it was given, and scrubbing twice changes nothing', () => {
    fc.assert(
      fc.property(context, fc.constantFrom(...SECRET_SHAPES.keys()), context, fc.constantFrom(' ', '\n', '"', '=', ':'), (before, i, after, sep) => {
        const [example, secret] = [SECRET_SHAPES[i]!.example, secrets[i]!];
        const once = scrubSecrets(`${before}${sep}${example}${sep}${after}`);
        expect(once.text).not.toContain(secret);
        expect(once.found).toBeGreaterThanOrEqual(1);
        expect(scrubSecrets(once.text)).toEqual({ text: once.text, found: 0 });
      }),
    );
  });
});

describe('scrubSecretBytes', () => {
  it('scrubs decoded body bytes and keeps every other byte, even invalid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('é ✓ '), Buffer.from([0xff, 0xfe, 0x20]), Buffer.from(`${secrets[2]!} ok`)]);
    const { bytes: out, found } = scrubSecretBytes(bytes);
    expect(found).toBe(1);
    expect(Buffer.from(out)).toEqual(Buffer.concat([Buffer.from('é ✓ '), Buffer.from([0xff, 0xfe, 0x20]), Buffer.from(`[redacted:${secrets[2]!.length}] ok`)]));
  });

  it('returns the same bytes when nothing was found', () => {
    const bytes = new TextEncoder().encode('{"messages":[]}');
    expect(scrubSecretBytes(bytes).bytes).toBe(bytes);
  });
});
