// Nova's built-in starter templates. The URLs are the publishers' official download locations. Nova
// carries no checksum it has not verified: each image's checksum is read at deploy time from the
// list its publisher publishes next to it (SHA256SUMS, CHECKSUM, SHA512SUMS, .sha512) over https.
// None of these publishers signs its images with minisign or SSH signatures (they use OpenPGP, which
// Nova does not verify), so every built-in VM template is honestly "unsigned" and needs consent.
import { type RegistryInfo, Template } from './types.js';

export const BUILTIN_REGISTRY: RegistryInfo = { location: 'builtin', kind: 'builtin', name: 'Nova built-in' };

const DEBIAN = { id: 'debian', name: 'Debian', url: 'https://www.debian.org/' };
const UBUNTU = { id: 'canonical', name: 'Canonical (Ubuntu)', url: 'https://ubuntu.com/' };
const FEDORA = { id: 'fedora', name: 'Fedora Project', url: 'https://fedoraproject.org/' };
const ALPINE = { id: 'alpine', name: 'Alpine Linux', url: 'https://alpinelinux.org/' };
const ALMA = { id: 'almalinux', name: 'AlmaLinux OS Foundation', url: 'https://almalinux.org/' };
const NOVA = { id: 'nova', name: 'Nova (built-in)' };

const DEBIAN_12 = 'https://cloud.debian.org/images/cloud/bookworm/latest/';
const UBUNTU_2404 = 'https://cloud-images.ubuntu.com/releases/24.04/release/';
const FEDORA_41 = 'https://download.fedoraproject.org/pub/fedora/linux/releases/41/Cloud/x86_64/images/';
const ALPINE_320 = 'https://dl-cdn.alpinelinux.org/alpine/v3.20/releases/cloud/';
const ALMA_9 = 'https://repo.almalinux.org/almalinux/9/cloud/x86_64/images/';

const DESKTOP_USER_DATA = `#cloud-config
package_update: true
packages: [ubuntu-desktop-minimal, qemu-guest-agent]
runcmd:
  - [systemctl, set-default, graphical.target]
  - [systemctl, enable, --now, qemu-guest-agent]
power_state: {mode: reboot, condition: true}
`;

const SERVER_USER_DATA = `#cloud-config
package_update: true
packages: [qemu-guest-agent, openssh-server, unattended-upgrades]
runcmd:
  - [systemctl, enable, --now, qemu-guest-agent]
`;

const RAW_TEMPLATES: unknown[] = [
  {
    id: 'debian-12-genericcloud',
    name: 'Debian 12 (bookworm) cloud image',
    version: 'latest',
    kind: 'vm',
    os: 'debian',
    os_version: '12',
    arch: 'x86_64',
    description:
      'The official Debian 12 "genericcloud" image: a minimal system set up at first boot by cloud-init.',
    tags: ['cloud', 'server', 'debian'],
    publisher: DEBIAN,
    minimum: { cpu: 1, memory: '512Mi', disk: '3Gi' },
    image: {
      url: `${DEBIAN_12}debian-12-genericcloud-amd64.qcow2`,
      format: 'qcow2',
      sha512sums_url: `${DEBIAN_12}SHA512SUMS`,
    },
    defaults: { cpu: 2, memory: '2Gi', disk_size: '20Gi', firmware: 'bios', cloud_init: true },
  },
  {
    id: 'ubuntu-24.04-server-cloudimg',
    name: 'Ubuntu 24.04 LTS (Noble) cloud image',
    version: 'release',
    kind: 'vm',
    os: 'ubuntu',
    os_version: '24.04',
    arch: 'x86_64',
    description: 'The official Ubuntu Server 24.04 LTS cloud image, set up at first boot by cloud-init.',
    tags: ['cloud', 'server', 'ubuntu', 'lts'],
    publisher: UBUNTU,
    minimum: { cpu: 1, memory: '1Gi', disk: '4Gi' },
    image: {
      url: `${UBUNTU_2404}ubuntu-24.04-server-cloudimg-amd64.img`,
      format: 'qcow2',
      sha256sums_url: `${UBUNTU_2404}SHA256SUMS`,
    },
    defaults: { cpu: 2, memory: '2Gi', disk_size: '20Gi', firmware: 'bios', cloud_init: true },
  },
  {
    id: 'fedora-41-cloud-base',
    name: 'Fedora 41 Cloud Base',
    version: '41-1.4',
    kind: 'vm',
    os: 'fedora',
    os_version: '41',
    arch: 'x86_64',
    description: 'The official Fedora Cloud Base image (generic qcow2), set up at first boot by cloud-init.',
    tags: ['cloud', 'server', 'fedora'],
    publisher: FEDORA,
    minimum: { cpu: 1, memory: '1Gi', disk: '5Gi' },
    image: {
      url: `${FEDORA_41}Fedora-Cloud-Base-Generic-41-1.4.x86_64.qcow2`,
      format: 'qcow2',
      sha256sums_url: `${FEDORA_41}Fedora-Cloud-41-1.4-x86_64-CHECKSUM`,
    },
    defaults: { cpu: 2, memory: '2Gi', disk_size: '20Gi', firmware: 'bios', cloud_init: true },
  },
  {
    id: 'alpine-3.20-cloud',
    name: 'Alpine Linux 3.20 cloud image',
    version: '3.20.3-r0',
    kind: 'vm',
    os: 'alpine',
    os_version: '3.20',
    arch: 'x86_64',
    description: 'The official Alpine Linux NoCloud image (BIOS, cloud-init): small and quick to boot.',
    tags: ['cloud', 'server', 'alpine', 'small'],
    publisher: ALPINE,
    minimum: { cpu: 1, memory: '256Mi', disk: '1Gi' },
    image: {
      url: `${ALPINE_320}nocloud_alpine-3.20.3-x86_64-bios-cloudinit-r0.qcow2`,
      format: 'qcow2',
      sha512sums_url: `${ALPINE_320}nocloud_alpine-3.20.3-x86_64-bios-cloudinit-r0.qcow2.sha512`,
    },
    defaults: { cpu: 1, memory: '512Mi', disk_size: '4Gi', firmware: 'bios', cloud_init: true },
  },
  {
    id: 'almalinux-9-genericcloud',
    name: 'AlmaLinux 9 cloud image',
    version: 'latest',
    kind: 'vm',
    os: 'almalinux',
    os_version: '9',
    arch: 'x86_64',
    description:
      'The official AlmaLinux 9 GenericCloud image, a RHEL-compatible server set up by cloud-init.',
    tags: ['cloud', 'server', 'almalinux', 'rhel'],
    publisher: ALMA,
    minimum: { cpu: 1, memory: '1Gi', disk: '10Gi' },
    image: {
      url: `${ALMA_9}AlmaLinux-9-GenericCloud-latest.x86_64.qcow2`,
      format: 'qcow2',
      sha256sums_url: `${ALMA_9}CHECKSUM`,
    },
    defaults: { cpu: 2, memory: '2Gi', disk_size: '20Gi', firmware: 'bios', cloud_init: true },
  },
  {
    id: 'ubuntu-24.04-desktop-preset',
    name: 'Ubuntu 24.04 desktop (preset)',
    version: 'release',
    kind: 'vm',
    os: 'ubuntu',
    os_version: '24.04',
    arch: 'x86_64',
    description:
      'A desktop preset: the Ubuntu 24.04 cloud image with 4 vCPUs, 8 GiB and UEFI; cloud-init installs ubuntu-desktop-minimal at first boot (needs network access and takes a while).',
    tags: ['desktop', 'preset', 'ubuntu', 'lts'],
    publisher: UBUNTU,
    minimum: { cpu: 2, memory: '4Gi', disk: '25Gi' },
    image: {
      url: `${UBUNTU_2404}ubuntu-24.04-server-cloudimg-amd64.img`,
      format: 'qcow2',
      sha256sums_url: `${UBUNTU_2404}SHA256SUMS`,
    },
    defaults: {
      cpu: 4,
      memory: '8Gi',
      disk_size: '40Gi',
      firmware: 'uefi',
      cloud_init: true,
      cloud_init_user_data: DESKTOP_USER_DATA,
    },
  },
  {
    id: 'debian-12-server-preset',
    name: 'Debian 12 server (preset)',
    version: 'latest',
    kind: 'vm',
    os: 'debian',
    os_version: '12',
    arch: 'x86_64',
    description:
      'A server preset: the Debian 12 cloud image with 2 vCPUs, 4 GiB and a 40 GiB disk; cloud-init adds the QEMU guest agent, OpenSSH and unattended upgrades.',
    tags: ['server', 'preset', 'debian'],
    publisher: DEBIAN,
    minimum: { cpu: 1, memory: '1Gi', disk: '10Gi' },
    image: {
      url: `${DEBIAN_12}debian-12-genericcloud-amd64.qcow2`,
      format: 'qcow2',
      sha512sums_url: `${DEBIAN_12}SHA512SUMS`,
    },
    defaults: {
      cpu: 2,
      memory: '4Gi',
      disk_size: '40Gi',
      firmware: 'bios',
      cloud_init: true,
      cloud_init_user_data: SERVER_USER_DATA,
    },
  },
  {
    id: 'lamp-stack',
    name: 'LAMP stack (Apache httpd + PHP, MariaDB)',
    version: '1',
    kind: 'container-stack',
    os: 'debian',
    os_version: '',
    arch: 'any',
    description:
      'Apache httpd with PHP 8.3 (php:8.3-apache) on port 8080 and MariaDB 11 on a private network; the database password is generated at deploy time and given to both containers.',
    tags: ['web', 'database', 'php', 'stack'],
    publisher: NOVA,
    minimum: { cpu: 1, memory: '1Gi', disk: '2Gi' },
    containers: {
      web: {
        capsule: 'docker.io/library/php:8.3-apache',
        network: 'net',
        ports: ['8080:80'],
        volumes: ['www:/var/www/html'],
        env: {
          DB_HOST: '{{name}}-db',
          DB_NAME: 'app',
          DB_USER: 'app',
          DB_PASSWORD: '{{generated-password}}',
        },
      },
      db: {
        capsule: 'docker.io/library/mariadb:11',
        network: 'net',
        volumes: ['db-data:/var/lib/mysql'],
        env: {
          MARIADB_RANDOM_ROOT_PASSWORD: '1',
          MARIADB_DATABASE: 'app',
          MARIADB_USER: 'app',
          MARIADB_PASSWORD: '{{generated-password}}',
        },
      },
    },
    networks: { net: { type: 'overlay' } },
    volumes: ['www', 'db-data'],
  },
  {
    id: 'monitoring-stack',
    name: 'Monitoring stack (Prometheus, Grafana, node exporter)',
    version: '1',
    kind: 'container-stack',
    os: 'linux',
    os_version: '',
    arch: 'any',
    description:
      'Prometheus on port 9090, Grafana on port 3000 and the Prometheus node exporter on a private network. Point Prometheus at <name>-node-exporter:9100 and add Prometheus (http://<name>-prometheus:9090) as a Grafana data source.',
    tags: ['monitoring', 'metrics', 'prometheus', 'grafana', 'stack'],
    publisher: NOVA,
    minimum: { cpu: 1, memory: '1Gi', disk: '2Gi' },
    containers: {
      prometheus: {
        capsule: 'docker.io/prom/prometheus:v2.53.0',
        network: 'net',
        ports: ['9090:9090'],
        volumes: ['prometheus-data:/prometheus'],
      },
      grafana: {
        capsule: 'docker.io/grafana/grafana:11.1.0',
        network: 'net',
        ports: ['3000:3000'],
        volumes: ['grafana-data:/var/lib/grafana'],
        env: { GF_SECURITY_ADMIN_PASSWORD: '{{generated-password}}' },
      },
      'node-exporter': {
        capsule: 'docker.io/prom/node-exporter:v1.8.1',
        network: 'net',
      },
    },
    networks: { net: { type: 'overlay' } },
    volumes: ['prometheus-data', 'grafana-data'],
  },
];

let cached: Template[] | undefined;

/** The built-in templates, validated with the same schema as any registry's. */
export function builtinTemplates(): Template[] {
  cached ??= RAW_TEMPLATES.map((raw) => Template.parse(raw));
  return cached;
}
