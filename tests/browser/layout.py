"""What a person sees on one screen, checked in the browser (issue 22's tour).

- Nothing of the page's main part or header is off-screen sideways: no link, button or field lies
  beyond the right edge (a table's own sideways scroll counts as off-screen too).
- Buttons, fields and toggles are at least 24 x 24 px (WCAG 2.2, 2.5.8), unless a 24 px square
  centred on them touches no other target (the spacing exception); links inside running text are
  exempt, as the criterion says.
- On a phone the page's heading starts within the top quarter of the screen.
- In Russian and Bulgarian no word of the interface is left in English and no code shows as text:
  Latin words are allowed only inside an element marked with another ``lang`` (content written in
  English), in code, in fields, in email addresses and links, and for names everyone writes in
  Latin letters (Rapport, CSV, API…).
"""

from __future__ import annotations

import re

# Words written in Latin letters in every language of the interface.
LATIN_OK = {
    "Rapport", "CSV", "XLSX", "API", "HR", "PDF", "JSON", "Markdown", "GIFT", "Moodle", "OpenAPI", "xAPI",
    "URL", "ID", "id", "zip", "KB", "MB", "JPEG", "PNG", "WebP", "MP3", "M4A", "UTF", "BOM", "Excel", "Bearer", "SMS",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]")

LAYOUT = """(lang) => {
  const W = innerWidth, H = innerHeight;
  const visible = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !e.closest('details:not([open]) > :not(summary)'); };
  const name = (e) => (e.getAttribute('aria-label') || e.textContent || e.value || e.name || e.type || e.tagName).trim().replace(/\\s+/g, ' ').slice(0, 40);
  const scope = 'main, header';
  const targets = [...document.querySelectorAll(
    ':is(main, header) :is(a[href], button, input:not([type=hidden]), select, textarea, summary)')].filter(visible);
  const off = targets.filter((e) => { const r = e.getBoundingClientRect(); return r.right > W + 1 || r.left < -1; })
    .map((e) => name(e));
  const rects = targets.map((e) => e.getBoundingClientRect());
  const inText = (e) => {
    if (e.tagName !== 'A') return false;
    const block = e.closest('p, li, td, th, dd, small, label, legend, figcaption');
    return !!block && block.textContent.trim().length > e.textContent.trim().length + 3;
  };
  const small = [];
  targets.forEach((e, i) => {
    const r = rects[i];
    if (r.width >= 24 && r.height >= 24) return;
    if (inText(e)) return;
    if (e.matches('input[type=radio], input[type=checkbox]') && e.closest('label')) {
      const l = e.closest('label').getBoundingClientRect();
      if (l.width >= 24 && l.height >= 24) return;
    }
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    const clash = rects.some((o, j) => j !== i && !targets[j].contains(e) && !e.contains(targets[j]) &&
      o.left < cx + 12 && o.right > cx - 12 && o.top < cy + 12 && o.bottom > cy - 12);
    if (clash) small.push(name(e) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
  });
  const h1 = document.querySelector('main h1');
  const top = h1 ? h1.getBoundingClientRect().top + scrollY : null;
  const words = [];
  if (lang !== 'en') {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !el.closest(scope) || !visible(el)) continue;
      if (el.closest('code, pre, kbd, samp, script, style, textarea, select, [data-raw]')) continue;
      // what trainers wrote (a case, a quiz, a preview) is content, not the interface
      if (el.closest('.content-body, .preview, article.case, .choice, .review-options')) continue;
      const marked = el.closest('[lang]');
      if (marked && marked.getAttribute('lang').split('-')[0] !== lang) continue;
      const text = n.textContent.replace(/\\S+@\\S+/g, ' ').replace(/https?:\\/\\/\\S+/g, ' ')
        .replace(/«[^»]*»|“[^”]*”|„[^“]*“/g, ' ');  // a quoted literal ("quiz:", a file name) is cited, not left untranslated
      if (/[A-Za-z]/.test(text)) words.push(text.trim().slice(0, 80));
    }
  }
  return {width: document.documentElement.scrollWidth, off, small, top, texts: words};
}"""


def latin_words(texts: list[str]) -> list[str]:
    """The Latin words of the visible texts that are not among the names everyone writes in Latin."""
    found = []
    for text in texts:
        for word in WORD.findall(text):
            # an abbreviation in capitals (DBL, SLA) is written so in every language
            if word not in LATIN_OK and not re.fullmatch(r"[A-Z][A-Z0-9]{0,5}|\d.*", word):
                found.append(f"{word!r} in {text!r}")
    return found


def problems_seen(seen: dict, viewport: dict, path: str, lang: str, phone: bool) -> list[str]:
    """The problems in what ``LAYOUT`` read of a page shown on ``viewport``."""
    out = []
    if seen["width"] > viewport["width"]:
        out.append(f"{path}: {seen['width']} px wide on a {viewport['width']} px screen")
    if seen["off"]:
        out.append(f"{path}: off-screen sideways: {seen['off'][:5]}")
    if seen["small"]:
        out.append(f"{path}: targets under 24x24 px: {seen['small'][:5]}")
    if phone and seen["top"] is not None and seen["top"] > viewport["height"] / 4:
        out.append(f"{path}: the heading starts {seen['top']:.0f} px down, below the top quarter")
    words = latin_words(seen["texts"])
    if words:
        out.append(f"{path}: not in {lang}: {words[:6]}")
    return out
