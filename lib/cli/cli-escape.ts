// What a terminal acts on rather than shows, or shows out of order:
// C0 controls but tab and line feed (ESC starts CSI and OSC sequences such as
// OSC 8 hyperlinks, BEL ends them, CR and BS overwrite what was printed), DEL,
// C1 controls (U+009B is a one-byte CSI on some terminals), the Arabic letter
// mark, zero-width and bidi marks, line and paragraph separators, bidi
// embeddings, overrides and isolates, invisible operators, BOM, and the
// interlinear annotation characters.
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/gu;

/**
 * `text` with every character a terminal could act on written as a `\uXXXX`
 * escape, so a tenant name, id, stored error or message can neither move the
 * cursor, recolour or clear the screen, open a hyperlink, nor reorder what is
 * shown. The escape is JSON's own, so it keeps `--json` output valid and its
 * strings unchanged once parsed. Tab and line feed are kept.
 */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
