/*
 * CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0, no reflection), the checksum Redis
 * Cluster maps keys to its 16384 hash slots with. A 256-entry table built once at load.
 *
 * keyHashSlot follows Redis's rule for {hash tags}: when the key holds a '{' followed later by a
 * '}' with at least one byte between them, only the bytes between the first '{' and the first
 * '}' after it are hashed; otherwise the whole key.
 */

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** CRC16/XMODEM of buf[start, end). */
export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ buf[i]) & 0xff];
  return crc;
}

export const CLUSTER_SLOTS = 16384;

/** The hash slot of the key buf[off, off+len), honouring {hash tags}. */
export function keyHashSlot(buf: Uint8Array, off = 0, len = buf.length - off): number {
  const end = off + len;
  let s = off;
  while (s < end && buf[s] !== 0x7b) s++; // '{'
  if (s < end) {
    let e = s + 1;
    while (e < end && buf[e] !== 0x7d) e++; // '}'
    if (e < end && e !== s + 1) return crc16(buf, s + 1, e) & 0x3fff;
  }
  return crc16(buf, off, end) & 0x3fff;
}
