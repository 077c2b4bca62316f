import { deflateSync, gzipSync } from 'node:zlib';
import { MAX_COMPRESSION_RATIO, decompress } from '../../../src/receiver/body';
import { ReceiverError } from '../../../src/receiver/errors';
import { zstdFrame } from '../../support/telemetry';

const LIMIT = 20 * 1024 * 1024;

/** A zstd frame header with a window descriptor, then `blocks` RLE blocks of 128 KiB. */
function windowFrame(windowDescriptor: number, blocks = 250): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, windowDescriptor])];
  for (let i = 0; i < blocks; i++) {
    const header = (i === blocks - 1 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41]));
  }
  return Buffer.concat(parts);
}

async function refusal(body: Buffer, encoding: string, limit = LIMIT): Promise<ReceiverError> {
  const error = await decompress(body, encoding, limit).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReceiverError);
  return error as ReceiverError;
}

describe('decompressing request bodies, bounded', () => {
  it('refuses a 1 KB zstd frame that declares a 1 GiB window from its header, allocating nothing', async () => {
    // Before: fzstd allocated the window, held the event loop 40 s and took 1 GiB of memory.
    const body = windowFrame(0xa0);
    expect(body.length).toBeLessThan(1100);
    const before = process.memoryUsage.rss();
    const error = await refusal(body, 'zstd');
    expect(error.status).toBe(413);
    expect(error.message).toMatch(
      /zstd frame declares a 1073741824-byte window, more than the 20971520 bytes accepted/,
    );
    expect(process.memoryUsage.rss() - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('checks every frame, and the content size a frame declares', async () => {
    const small = zstdFrame([{ raw: Buffer.from('ok') }]);
    const second = await refusal(Buffer.concat([small, windowFrame(0xa7, 1)]), 'zstd');
    expect(second.message).toMatch(/declares a 2013265920-byte window/);
    // A single-segment frame declaring 2^40 bytes of content (8-byte size field).
    const declared = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect((await refusal(declared, 'zstd')).status).toBe(413);
    expect((await refusal(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00]), 'zstd')).status).toBe(400);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    [
      'zstd',
      (data: Buffer) => zstdFrame(Array.from({ length: data.length / 131_072 }, () => ({ rle: 0, size: 131_072 }))),
    ],
  ])(
    'refuses %s output beyond %i times the compressed size, well within the body limit',
    async (encoding, compress) => {
      const bomb = compress(Buffer.alloc(8 * 1024 * 1024));
      const error = await refusal(bomb, encoding);
      expect(error.status).toBe(413);
      expect(error.message).toMatch(new RegExp(`${MAX_COMPRESSION_RATIO} times its ${bomb.length} compressed bytes`));
    },
  );

  it('decodes ordinary compressed telemetry, and a body that repeats a long prompt (about 120:1)', async () => {
    const prompt = Buffer.from(
      Array.from(
        { length: 2000 },
        (_, i) => `{"span":${i},"prompt":"${'You are a helpful assistant. '.repeat(40)}"}`,
      ).join(','),
    );
    for (const encoding of ['gzip', 'deflate'] as const) {
      const body = encoding === 'gzip' ? gzipSync(prompt) : deflateSync(prompt);
      expect((await decompress(body, encoding, LIMIT)).equals(prompt)).toBe(true);
    }
    const blocks = Array.from({ length: Math.ceil(prompt.length / 131_072) }, (_, i) => ({
      raw: prompt.subarray(i * 131_072, (i + 1) * 131_072),
    }));
    expect((await decompress(zstdFrame(blocks), 'zstd', LIMIT)).equals(prompt)).toBe(true);
  });

  it('lets the event loop run while a large zstd body decodes', async () => {
    const block = Buffer.alloc(128 * 1024, 7);
    const body = zstdFrame(Array.from({ length: 150 }, () => ({ raw: block })));
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const decoded = await decompress(body, 'zstd', LIMIT);
    clearInterval(ticking);
    expect(decoded.length).toBe(150 * block.length);
    // Node's own zstd decodes on the thread pool; the JavaScript decoder yields after each MiB.
    expect(turns).toBeGreaterThan(1);
  });
});
