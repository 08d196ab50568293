// A registry for tests, since no real one is reachable here: the few requests of the registry API (v2)
// a pull makes, over HTTP on 127.0.0.1 (which Docker trusts without TLS), serving one image made of
// one layer. Enough to pull through an engine and watch its progress.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A tar archive of regular files (ustar), enough for a layer. */
export function tarOf(files: Record<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
      'ascii',
    );
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface TinyRegistry {
  /** host:port, to put before the repository name. */
  host: string;
  /** The requests it answered, "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `repository:tag` with one layer holding `files`. */
export async function startTinyRegistry(
  repository: string,
  tag: string,
  files: Record<string, Buffer>,
): Promise<TinyRegistry> {
  const layerTar = tarOf(files);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: sha256(config),
      },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          size: layer.length,
          digest: sha256(layer),
        },
      ],
    }),
  );
  const blobs = new Map([
    [sha256(config), config],
    [sha256(layer), layer],
  ]);
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(`${request.method ?? '?'} ${path}`);
    const send = (status: number, body: Buffer, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'Docker-Distribution-API-Version': 'registry/2.0',
        'Content-Length': String(body.length),
        ...headers,
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (path === '/v2/' || path === '/v2') {
      send(200, Buffer.from('{}'), { 'Content-Type': 'application/json' });
      return;
    }
    const manifestPath = `/v2/${repository}/manifests/`;
    if (path === `${manifestPath}${tag}` || path === `${manifestPath}${sha256(manifest)}`) {
      send(200, manifest, {
        'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json',
        'Docker-Content-Digest': sha256(manifest),
      });
      return;
    }
    const blobPrefix = `/v2/${repository}/blobs/`;
    const blob = path.startsWith(blobPrefix) ? blobs.get(path.slice(blobPrefix.length)) : undefined;
    if (blob !== undefined) {
      send(200, blob, {
        'Content-Type': 'application/octet-stream',
        'Docker-Content-Digest': path.slice(blobPrefix.length),
      });
      return;
    }
    send(404, Buffer.from(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] })), {
      'Content-Type': 'application/json',
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
