/**
 * Escaping for the HTML report. Every string that comes from an input file (model names, paths,
 * claim quotes, notes) goes through `escapeHtml` in markup, and the data block through
 * `jsonForScript`, so no input can open a tag, close the script element or start an attribute.
 */

const HTML_ESCAPES: Record<string, string> = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};

export function escapeHtml(text: string | number | null | undefined): string {
    return String(text ?? "").replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` as \u escapes (so
 * `</script>` and `<!--` can never appear), and the line separators JavaScript once rejected.
 */
export function jsonForScript(value: unknown): string {
    return JSON.stringify(value)
        .replace(/</g, "\\u003c")
        .replace(/>/g, "\\u003e")
        .replace(/&/g, "\\u0026")
        .replace(/\u2028/g, "\\u2028")
        .replace(/\u2029/g, "\\u2029");
}
