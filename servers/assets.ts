// Built-in assets a scenario answer can serve with `asset:`. Made in code so
// the repository carries no binary files.
import { crc32, deflateSync } from 'node:zlib';

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

export const ASSETS: Record<'png', Asset> = {
  png: { contentType: 'image/png', body: png2x2() },
};
