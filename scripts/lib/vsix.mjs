// Reads a .vsix (a zip) whole, with yauzl: each entry's name, size, Unix mode and content.
import yauzl from 'yauzl';

/** @returns {Promise<{ name: string, size: number, mode: number, content: Buffer }[]>} */
export function readVsix(file) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks = [];
          stream.on('data', (chunk) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.push({ name: entry.fileName, size: entry.uncompressedSize, mode: entry.externalFileAttributes >>> 16, content: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
