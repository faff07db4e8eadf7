import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The openssl CLI, from PATH; CI installs it when missing (see .ci/run). */
const OPENSSL = 'openssl';

/** One generated key pair and certificate, as PEM files in the PKI's temporary directory. */
export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface CertificateAuthority extends IssuedCertificate {
  readonly name: string;
}

export interface LeafOptions {
  /** The subject's common name. */
  readonly commonName: string;
  /** subjectAltName entries as openssl writes them: "DNS:localhost", "IP:127.0.0.1", "URI:spiffe://...". */
  readonly subjectAltNames: ReadonlyArray<string>;
  readonly usage: 'serverAuth' | 'clientAuth';
}

/**
 * Certificates made for one test run with the openssl CLI, in a directory of their own under the OS temporary
 * directory, removed by `remove()`. Nothing here is committed: every key is generated when the tests start.
 * Keys are P-256 (fast to generate) and certificates are valid for one day.
 */
export class TestPki {
  private counter = 0;

  private constructor(readonly directory: string) {}

  static async create(): Promise<TestPki> {
    return new TestPki(await mkdtemp(path.join(os.tmpdir(), 'reconnect-pki-')));
  }

  /** A self-signed certificate authority. */
  async authority(name: string): Promise<CertificateAuthority> {
    const base = this.fileBase(name);
    await this.openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.pem`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return { name, ...(await this.read(base)) };
  }

  /** A leaf certificate signed by `issuer`. */
  async leaf(issuer: CertificateAuthority, options: LeafOptions): Promise<IssuedCertificate> {
    const base = this.fileBase(options.commonName);
    await this.openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      `/CN=${options.commonName}`,
    ]);
    const extensions = [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      `extendedKeyUsage=${options.usage}`,
      ...(options.subjectAltNames.length === 0 ? [] : [`subjectAltName=${options.subjectAltNames.join(',')}`]),
    ];
    await writeFile(`${base}.ext`, `${extensions.join('\n')}\n`);
    await this.openssl([
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      issuer.certFile,
      '-CAkey',
      issuer.keyFile,
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-days',
      '1',
      '-sha256',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.pem`,
    ]);
    return this.read(base);
  }

  async remove(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }

  private fileBase(name: string): string {
    this.counter += 1;
    return path.join(
      this.directory,
      `${String(this.counter).padStart(2, '0')}-${name.replace(/[^A-Za-z0-9.-]/g, '_')}`,
    );
  }

  private async read(base: string): Promise<IssuedCertificate> {
    const certFile = `${base}.pem`;
    const keyFile = `${base}.key`;
    return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
  }

  private async openssl(args: ReadonlyArray<string>): Promise<void> {
    try {
      await run(OPENSSL, [...args], { cwd: this.directory, timeout: 20_000 });
    } catch (error: unknown) {
      const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
      throw new Error(
        `openssl ${args[0] ?? ''} failed: ${error instanceof Error ? error.message : String(error)}\n${stderr}`,
        { cause: error },
      );
    }
  }
}

/** What the TLS and mTLS tests need: a server certificate for 127.0.0.1, client certificates, and strangers. */
export interface ServiceTestPki {
  readonly pki: TestPki;
  /** Signs the server's certificate; clients trust it. */
  readonly serverCa: CertificateAuthority;
  /** SAN IP:127.0.0.1 and DNS:localhost. */
  readonly server: IssuedCertificate;
  /** Signs the client certificates the service accepts (GRPC_TLS_CLIENT_CA_FILE). */
  readonly clientCa: CertificateAuthority;
  /** SAN DNS:lobby.internal, signed by the client CA. */
  readonly lobbyClient: IssuedCertificate;
  /** SAN DNS:stranger.internal, signed by the client CA, but named in no callers file entry. */
  readonly strangerClient: IssuedCertificate;
  /** A CA nobody trusts, and a client certificate for lobby.internal it signed. */
  readonly otherCa: CertificateAuthority;
  readonly impostorClient: IssuedCertificate;
}

export async function createServiceTestPki(): Promise<ServiceTestPki> {
  const pki = await TestPki.create();
  try {
    const serverCa = await pki.authority('test-server-ca');
    const clientCa = await pki.authority('test-client-ca');
    const otherCa = await pki.authority('test-other-ca');
    const server = await pki.leaf(serverCa, {
      commonName: 'localhost',
      subjectAltNames: ['IP:127.0.0.1', 'DNS:localhost'],
      usage: 'serverAuth',
    });
    const lobbyClient = await pki.leaf(clientCa, {
      commonName: 'lobby',
      subjectAltNames: ['DNS:lobby.internal'],
      usage: 'clientAuth',
    });
    const strangerClient = await pki.leaf(clientCa, {
      commonName: 'stranger',
      subjectAltNames: ['DNS:stranger.internal'],
      usage: 'clientAuth',
    });
    const impostorClient = await pki.leaf(otherCa, {
      commonName: 'impostor',
      subjectAltNames: ['DNS:lobby.internal'],
      usage: 'clientAuth',
    });
    return { pki, serverCa, server, clientCa, lobbyClient, strangerClient, otherCa, impostorClient };
  } catch (error: unknown) {
    await pki.remove();
    throw error;
  }
}
