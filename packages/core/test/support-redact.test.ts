import { describe, expect, it } from 'vitest';

import { isIpv6, Redactor, secretKindOfKey } from '../src/support/redact.js';

const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBdbQmZ9lr9sMGnvQzFhd',
  '-----END RSA PRIVATE KEY-----',
].join('\n');
const OPENSSH = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');
const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvNQkGPLv1U2vHVWuVkzN6rZ8tVQHdNn2vfhSa9kDxy alice@laptop';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

const standard = () => new Redactor({ level: 'standard' });

describe('secret key names', () => {
  it('classifies keys by their words, in any case style', () => {
    expect(secretKindOfKey('DB_PASSWORD')).toBe('password');
    expect(secretKindOfKey('apiToken')).toBe('token');
    expect(secretKindOfKey('aws-secret-access-key')).toBe('secret');
    expect(secretKindOfKey('API_KEY')).toBe('key');
    expect(secretKindOfKey('passphrase')).toBe('password');
    expect(secretKindOfKey('PGPASSWORD')).toBe('password');
    expect(secretKindOfKey('rootpw')).toBe('password');
    expect(secretKindOfKey('requirepass')).toBe('password');
    expect(secretKindOfKey('GITHUBTOKEN')).toBe('token');
    expect(secretKindOfKey('hostname')).toBeUndefined();
    expect(secretKindOfKey('user_data')).toBe('cloud-init');
    expect(secretKindOfKey('userData')).toBe('cloud-init');
    expect(secretKindOfKey('keyboard')).toBeUndefined();
    expect(secretKindOfKey('passthrough')).toBeUndefined();
    expect(secretKindOfKey('spec-hash')).toBeUndefined();
    expect(secretKindOfKey('authorized')).toBeUndefined();
  });
});

describe('standard redaction', () => {
  it('removes PEM and OpenSSH private keys, also inside JSON strings', () => {
    const r = standard();
    const out = r.redact(`log: key follows\n${PEM}\nand\n${OPENSSH}\n`);
    expect(out).not.toContain('MIIEowIBAAKCAQEA');
    expect(out).not.toContain('b3BlbnNzaC1rZXkt');
    expect(out).toContain('[redacted:private-key]');
    const json = JSON.stringify({ message: `oops ${PEM}` });
    const redactedJson = r.redact(json);
    expect(redactedJson).not.toContain('MIIEow');
    expect(() => JSON.parse(redactedJson) as unknown).not.toThrow();
    expect(r.counts()['private-key']).toBe(3);
  });

  it('removes a private key whose end was cut off', () => {
    const out = standard().redact(PEM.split('\n').slice(0, 3).join('\n'));
    expect(out).not.toContain('MIIEowIBAAKCAQEA');
    expect(out).not.toContain('VTLw7onLRnrq0');
  });

  it('removes env secrets in KEY=VALUE lines and in container inspect Env', () => {
    const r = standard();
    const env = r.redact('PATH=/usr/bin\nDB_PASSWORD=Hunter2Secret\nAPI_TOKEN=tok-123456789\nHOME=/root\n');
    expect(env).toBe(
      'PATH=/usr/bin\nDB_PASSWORD=[redacted:password]\nAPI_TOKEN=[redacted:token]\nHOME=/root\n',
    );
    const inspect = JSON.stringify({ Config: { Env: ['STRIPE_SECRET_KEY=sk_live_abcdef123456', 'LANG=C'] } });
    const out = r.redact(inspect);
    expect(out).not.toContain('sk_live_abcdef123456');
    expect(JSON.parse(out)).toEqual({ Config: { Env: ['STRIPE_SECRET_KEY=[redacted:secret]', 'LANG=C'] } });
  });

  it('takes an env value to the end of its line or string, whatever it holds', () => {
    const r = standard();
    const out = r.redact(
      [
        'DB_PASSWORD=foo,bar;baz qux',
        'export PGPASSWORD=pg-s3cret&more',
        '{"Env":["ADMINPASSWORD=a,b;c","MYSQL_ROOT_PASSWD=rootpw{}[]","PATH=/usr/bin:/bin"]}',
      ].join('\n'),
    );
    for (const secret of ['foo', 'bar;baz', 'pg-s3cret', 'a,b;c', 'rootpw{}'])
      expect(out).not.toContain(secret);
    expect(out).toContain('PATH=/usr/bin:/bin');
    expect(out).toContain('DB_PASSWORD=[redacted:password]');
  });

  it('removes secrets given as command-line options, joined or apart, also in JSON argv arrays', () => {
    const r = standard();
    const out = r.redact(
      [
        'redis-server --requirepass s3cretpass --port 6379',
        'app --password=hunter2x --verbose',
        '{"Cmd":["--requirepass","jsonSecret1"],"Args":["--api-token", "tok3nvalue"]}',
        'rootpw: bootstrapSecret',
      ].join('\n'),
    );
    for (const secret of ['s3cretpass', 'hunter2x', 'jsonSecret1', 'tok3nvalue', 'bootstrapSecret'])
      expect(out).not.toContain(secret);
    expect(out).toContain('--port 6379');
    expect(out).toContain('--verbose');
    expect(JSON.parse(out.split('\n')[2] ?? '')).toMatchObject({
      Cmd: ['--requirepass', '[redacted:password]'],
    });
  });

  it('removes URL user info and secret query parameters, keeping the rest of the URL', () => {
    const r = standard();
    const out = r.redact(
      'pull https://bob:S3cretPass@registry.example.com/v2/x and https://ghtoken123456@git.example.com/repo ' +
        'and https://api.example.com/x?user=bob&access_token=AbC123xyz789&page=2',
    );
    expect(out).toContain('https://bob:[redacted:url-credentials]@registry.example.com/v2/x');
    expect(out).toContain('https://[redacted:url-credentials]@git.example.com/repo');
    expect(out).toContain('?user=bob&access_token=[redacted:token]&page=2');
    expect(r.counts()['url-credentials']).toBe(2);
  });

  it('removes secrets from TOML, YAML, JSON and XML configs and keeps the documents parseable', () => {
    const r = standard();
    expect(r.redact('[db]\npassword = "pa55word!"\nport = 5432\n')).toBe(
      '[db]\npassword = "[redacted:password]"\nport = 5432\n',
    );
    expect(r.redact('db:\n  secret: topsecretvalue\n  host: db1\n')).toBe(
      'db:\n  secret: [redacted:secret]\n  host: db1\n',
    );
    const json = r.redact(
      JSON.stringify({ credentials: 'abc123def', nested: { apiKey: 12345678 }, ok: true }),
    );
    expect(JSON.parse(json)).toEqual({
      credentials: '[redacted:secret]',
      nested: { apiKey: '[redacted:key]' },
      ok: true,
    });
    const xml = r.redact(
      "<domain><description>admin password: Tr0ub4dor&amp;3</description><metadata><app:cfg token='xyz987654321'/><app:secret>s3kr1t-value</app:secret></metadata></domain>",
    );
    expect(xml).not.toContain('Tr0ub4dor');
    expect(xml).not.toContain('xyz987654321');
    expect(xml).not.toContain('s3kr1t-value');
    expect(xml).toContain("<app:cfg token='[redacted:token]'/>");
    expect(xml).toContain('<app:secret>[redacted:secret]</app:secret>');
  });

  it('leaves booleans, empty values and ordinary keys alone', () => {
    const text = 'password_auth = false\ntoken = ""\nname = "web"\nkeymap = "en-us"\n';
    const r = standard();
    expect(r.redact(text)).toBe(text);
    expect(r.counts()).toEqual({});
  });

  it('removes cloud-init user data: whole documents, TOML multi-line strings, YAML blocks, JSON strings', () => {
    const r = standard();
    expect(r.redact('#cloud-config\nchpasswd:\n  list: root:Sup3r\n')).toBe('[redacted:cloud-init]');
    const toml = r.redact(
      '[vm.web.cloud_init]\nhostname = "web"\nuser_data = """\n#cloud-config\npassword: Sup3rSecret\n"""\nnext = 1\n',
    );
    expect(toml).toBe(
      '[vm.web.cloud_init]\nhostname = "web"\nuser_data = """[redacted:cloud-init]"""\nnext = 1\n',
    );
    const yaml = r.redact(
      'instance:\n  user-data: |\n    #cloud-config\n    password: Sup3rSecret\n  name: web\n',
    );
    expect(yaml).toBe('instance:\n  user-data: [redacted:cloud-init]\n  name: web\n');
    const json = r.redact(JSON.stringify({ seed: '#cloud-config\nusers: [{passwd: Sup3rSecret}]' }));
    expect(json).not.toContain('Sup3rSecret');
    expect(JSON.parse(json)).toEqual({ seed: '[redacted:cloud-init]' });
  });

  it('removes SSH public keys (keeping their type), bearer tokens, JWTs and Authorization headers', () => {
    const r = standard();
    const out = r.redact(
      `ssh_authorized_keys = ["${SSH_KEY}"]\n` +
        'GET /v1 Authorization: Basic YWxpY2U6cGFzc3dvcmQ=\n' +
        'call with Bearer abcDEF123456789token\n' +
        `jwt ${JWT}\n`,
    );
    expect(out).toContain('ssh_authorized_keys = ["ssh-ed25519 [redacted:ssh-public-key]"]');
    expect(out).not.toContain('AAAAC3NzaC1lZDI1NTE5');
    expect(out).not.toContain('alice@laptop');
    expect(out).toContain('Authorization: Basic [redacted:authorization-header]');
    expect(out).not.toContain('YWxpY2U6cGFzc3dvcmQ=');
    expect(out).toContain('Bearer [redacted:bearer-token]');
    expect(out).not.toContain(JWT.split('.')[2]);
    expect(r.counts()).toMatchObject({
      'ssh-public-key': 1,
      'authorization-header': 1,
      'bearer-token': 1,
      jwt: 1,
    });
  });

  it('sweeps a secret learned in one file out of every other file', () => {
    const r = standard();
    const log = r.redact('connecting with Xq9-vv83-PLANTED\n');
    const env = r.redact('SERVICE_TOKEN=Xq9-vv83-PLANTED\n');
    expect(r.sweep(log)).toBe('connecting with [redacted:token]\n');
    expect(r.sweep(env)).toBe('SERVICE_TOKEN=[redacted:token]\n');
    expect(r.counts()['token']).toBe(2);
  });

  it('changes nothing at level none', () => {
    const r = new Redactor({ level: 'none' });
    const text = `password=abc123456\n${PEM}`;
    expect(r.sweep(r.redact(text))).toBe(text);
    expect(r.counts()).toEqual({});
  });

  it('keeps addresses and names at level standard', () => {
    const text = 'inet 192.168.122.1/24 link/ether 52:54:00:12:34:56 host buildbox';
    expect(standard().redact(text)).toBe(text);
  });
});

describe('strict redaction', () => {
  it('replaces MAC, IPv4 and IPv6 addresses with pseudonyms that stay the same across files', () => {
    const r = new Redactor({ level: 'strict' });
    const a = r.redact(
      'vm nic 52:54:00:AA:bb:01 at 192.168.122.15/24 gw 192.168.122.1, v6 fd00:1::15 fe80::5054:ff:feaa:bb01',
    );
    const b = r.redact(
      JSON.stringify({ mac: '52:54:00:aa:bb:01', address: '192.168.122.15', v6: 'fd00:1::15' }),
    );
    expect(a).toBe('vm nic mac-1 at ip-1/24 gw ip-2, v6 ip6-1 ip6-2');
    expect(JSON.parse(b)).toEqual({ mac: 'mac-1', address: 'ip-1', v6: 'ip6-1' });
    expect(r.counts()).toMatchObject({ mac: 2, ipv4: 3, ipv6: 3 });
  });

  it('keeps loopback, any-address, netmasks, times and versions', () => {
    const text = 'listen 127.0.0.1:9640 and 0.0.0.0 mask 255.255.255.0 at 02:12:33 version 1.2.3.4.5 ::1';
    expect(new Redactor({ level: 'strict' }).redact(text)).toBe(text);
  });

  it('replaces the host names and user names it is given, and those it learns from keys and homes', () => {
    const r = new Redactor({
      level: 'strict',
      hostnames: ['buildbox', 'buildbox.lab.example'],
      usernames: ['alice'],
    });
    const one = r.redact(
      'buildbox.lab.example (buildbox): alice logged in; /home/bob/NovaFile\nhostname = "web-01x"\n',
    );
    const two = r.redact('alice on buildbox, bob again, web-01x here');
    expect(one).toBe('host-2 (host-1): user-1 logged in; /home/user-2/NovaFile\nhostname = "host-3"\n');
    expect(r.sweep(two)).toBe('user-1 on host-1, user-2 again, host-3 here');
    expect(r.pseudonyms()['hostname']).toEqual({
      'buildbox.lab.example': 'host-2',
      buildbox: 'host-1',
      'web-01x': 'host-3',
    });
  });

  it('does not treat short or common names as host names', () => {
    const r = new Redactor({ level: 'strict', hostnames: ['vm', 'nova'] });
    expect(r.redact('vm/1234 nova list')).toBe('vm/1234 nova list');
  });
});

describe('isIpv6', () => {
  it('accepts IPv6 addresses and refuses times and MACs', () => {
    expect(isIpv6('fe80::1')).toBe(true);
    expect(isIpv6('2001:db8:0:0:0:0:0:1')).toBe(true);
    expect(isIpv6('12:34:56')).toBe(false);
    expect(isIpv6('1::2::3')).toBe(false);
    expect(isIpv6('52:54:00:aa:bb:cc')).toBe(false);
  });
});

describe('redaction keeps documents intact', () => {
  it('finds secrets in JSON nested in JSON strings and after escaped newlines, and keeps the JSON valid', () => {
    const r = standard();
    const inner = JSON.stringify({ password: 'NestedPass99', note: 'x' });
    const outer = JSON.stringify({ message: inner, log: 'line one\npassword: LinePass77\nend' });
    const out = r.redact(outer);
    expect(out).not.toContain('NestedPass99');
    expect(out).not.toContain('LinePass77');
    const parsed = JSON.parse(out) as { message: string; log: string };
    expect(JSON.parse(parsed.message)).toEqual({ password: '[redacted:password]', note: 'x' });
    expect(parsed.log).toBe('line one\npassword: [redacted:password]\nend');
  });

  it('does not take file names or prose for keys, nor break JSON escapes', () => {
    const r = standard();
    const text = JSON.stringify({
      error:
        'cannot read /tmp/x/secret.qcow2: Permission denied; bind mount ../etc/passwd: no; Unrecognized key: "not"',
    });
    const out = r.redact(text);
    expect(() => JSON.parse(out) as unknown).not.toThrow();
    expect(out).toContain('secret.qcow2: Permission denied');
    expect(out).toContain('etc/passwd: no');
  });

  it('does not learn placeholders that were hidden already as secrets', () => {
    const r = standard();
    r.redact('{"userData":"<redacted>","password":"***"}');
    expect(r.sweep('{"env":"<redacted>","x":"***"}')).toBe('{"env":"<redacted>","x":"***"}');
  });
});
