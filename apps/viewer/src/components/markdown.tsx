import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { useMemo } from 'preact/hooks';

/**
 * Assistant text as Markdown. Captured content is untrusted (a model can be made to write any HTML,
 * a tool result can carry a page), so two layers stand between it and the DOM: HTML written in the
 * text is shown as text (what the model wrote, not what a browser would make of it), and marked's
 * output goes through DOMPurify — no scripts, event handlers, forms, frames, styles or images (an
 * image would fetch a URL on open; the page's CSP refuses them too), no javascript: links, and links
 * open in a new tab without a referrer.
 */
const marked = new Marked({ gfm: true, breaks: false, async: false });
marked.use({
  renderer: {
    html: ({ text }) => escapeHtml(text),
    // An image in the text would be fetched when the page opens: say where it is instead.
    image: ({ href, text }) => escapeHtml(`[image${text ? ` ${text}` : ''}: ${href}]`),
  },
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const purify = DOMPurify(window);
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string;
  return purify.sanitize(html, {
    FORBID_TAGS: ['style', 'img', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'video', 'audio', 'svg', 'math'],
    FORBID_ATTR: ['style', 'class', 'id'],
    ALLOW_DATA_ATTR: false,
  });
}

export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
