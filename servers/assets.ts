// Built-in assets a scenario answer can serve with `asset:`. Made in code so
// the repository carries no binary files.
import { crc32, deflateSync } from 'node:zlib';
import opentype from 'opentype.js';

export interface Asset {
  contentType: string;
  body: Buffer;
}

/** A 2x2 RGBA PNG with distinct pixels, so a readable canvas shows real data. */
function png2x2(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typeAndData));
    return Buffer.concat([length, typeAndData, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0); // width
  header.writeUInt32BE(2, 4); // height
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  // Each row: filter byte 0, then RGBA pixels.
  const rows = Buffer.from([0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A tiny OpenType font ("OTTO", CFF outlines) whose printable ASCII glyphs are
 * all 2 em wide, so text set in it is measurably wider than in any fallback.
 */
function wideFont(): Buffer {
  const glyphs = [new opentype.Glyph({ name: '.notdef', unicode: 0, advanceWidth: 600, path: new opentype.Path() })];
  for (let code = 32; code < 127; code++) {
    const box = new opentype.Path();
    box.moveTo(100, 0);
    box.lineTo(100, 700);
    box.lineTo(1900, 700);
    box.lineTo(1900, 0);
    box.close();
    glyphs.push(new opentype.Glyph({ name: `u${code}`, unicode: code, advanceWidth: 2000, path: box }));
  }
  const font = new opentype.Font({
    familyName: 'CorsLabWide',
    styleName: 'Regular',
    unitsPerEm: 1000,
    ascender: 800,
    descender: -200,
    glyphs,
  });
  return Buffer.from(font.toArrayBuffer());
}

export type AssetName = 'png' | 'otf' | 'script' | 'css' | 'event-stream';

export const ASSETS: Record<AssetName, Asset> = {
  png: { contentType: 'image/png', body: png2x2() },
  otf: { contentType: 'font/otf', body: wideFont() },
  // The message (naming the script's own URL, so concurrent probes can tell
  // theirs apart) reaches window.onerror only if the script is not muted.
  script: {
    contentType: 'text/javascript',
    body: Buffer.from("throw new Error('cors-lab-secret-message from ' + document.currentScript.src);\n"),
  },
  css: { contentType: 'text/css', body: Buffer.from('.cors-lab-rule { color: rgb(1, 2, 3); }\n') },
  'event-stream': { contentType: 'text/event-stream', body: Buffer.from('data: cors-lab\n\n') },
};
