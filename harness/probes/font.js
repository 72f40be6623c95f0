// Browser side: the font probe. The font is loaded through a CSS @font-face
// rule or the FontFace API; the outcome comes from the load status and is
// confirmed by rendering: text set in the lab font (2 em per glyph) must be
// measurably wider than the same text in the fallback font.
(function () {
  'use strict';
  const SAMPLE = 'mmmmmmmmmm';

  function measure(family) {
    const span = document.createElement('span');
    span.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font-size:20px;font-family:' + family;
    span.textContent = SAMPLE;
    document.body.appendChild(span);
    const width = span.getBoundingClientRect().width;
    span.remove();
    return width;
  }

  window.__corsLab.kinds.font = async function fontProbe(probe) {
    const family = 'corslab-' + probe.nonce;
    const fallbackWidth = measure('monospace');
    let status;
    let error;
    if (probe.fontVia === 'font-face-api') {
      const face = new FontFace(family, 'url(' + JSON.stringify(probe.url) + ')');
      try {
        await face.load();
        document.fonts.add(face);
      } catch (caught) {
        error = { name: caught.name, message: caught.message };
      }
      status = face.status;
    } else {
      const style = document.createElement('style');
      style.textContent =
        '@font-face { font-family: "' + family + '"; src: url(' + JSON.stringify(probe.url) + ') format("opentype"); }';
      document.head.appendChild(style);
      // A busy page (many probes at once) may not have turned the new rule
      // into a FontFace yet (WebKit): force the style, then wait for the face
      // to appear before loading it, rather than reading "missing".
      const findFace = () =>
        Array.from(document.fonts).find((candidate) => candidate.family.replace(/"/g, '') === family);
      void (style.sheet && style.sheet.cssRules.length);
      void document.documentElement.offsetWidth;
      let face = findFace();
      for (let tries = 0; !face && tries < 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        face = findFace();
      }
      try {
        await document.fonts.load('20px "' + family + '"', SAMPLE);
        if (face && face.status === 'unloaded') await face.load();
      } catch (caught) {
        error = { name: caught.name, message: caught.message };
      }
      status = face ? face.status : 'missing';
    }
    const renderedWidth = measure('"' + family + '", monospace');
    const rendered = renderedWidth > fallbackWidth * 1.5;
    const body =
      'font status ' +
      status +
      '; text width ' +
      Math.round(renderedWidth) +
      'px with the font, ' +
      Math.round(fallbackWidth) +
      'px fallback';
    if (status === 'loaded' && rendered) return { settled: 'resolved', type: 'font', body };
    if (status === 'loaded')
      return {
        settled: 'resolved',
        type: 'font',
        body,
        withheld: 'the font reports loaded but the text did not render in it',
      };
    return { settled: 'rejected', body, error: error || { name: 'FontLoadError', message: 'font status ' + status } };
  };
})();
