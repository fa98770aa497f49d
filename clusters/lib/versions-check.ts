/**
 * The versions table (clusters/versions.ts) checked by form when environments load: every entry
 * is an exact pin, never a moving name (`latest`, `main`, …), with no stray whitespace. A problem
 * reads `clusters/versions.ts: <entry>: <reason>`, like every other loader message.
 *
 * Each string is checked by what its key says it is; entries another engineer adds are checked by
 * the same rules as long as they keep the table's shapes (see the comment at the top of
 * clusters/versions.ts):
 *
 * | key                       | form |
 * | ---                       | --- |
 * | `kubernetes`              | an EKS minor version, `1.35` |
 * | `amiAlias`                | Karpenter's AMI alias `al2023@vYYYYMMDD` |
 * | `repository`              | an `https://` or `oci://` URL, or an image name |
 * | `chart`                   | a Helm chart name |
 * | `image`, `name`           | an image name |
 * | `tag`                     | an image or git tag that names a release |
 * | `url`, `sha256`           | an `https://` or `oci://` URL; 64 hex digits |
 * | `type` (an AMI type)      | an EKS AL2023 AMI type of a general-purpose node |
 * | `releaseVersion`          | an EKS AMI release, `<kubernetes patch>-<YYYYMMDD>` |
 * | any other string          | an exact version (`1.2.3`, `v1.2.3`, `v1.23.0-eksbuild.1`), or an image reference `name:tag` |
 *
 * Forms, from their sources:
 * - Image names and tags: the OCI distribution spec
 *   (opencontainers/distribution-spec@v1.1.0:spec.md, `<name>` and `<reference>` as a tag).
 * - The AMI alias: Karpenter's EC2NodeClass accepts `family@version`
 *   (aws/karpenter-provider-aws@v1.14.1:pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml,
 *   amiSelectorTerms.alias); `latest` is allowed there, and refused here (not a pin). Release
 *   versions are the tags of awslabs/amazon-eks-ami (`vYYYYMMDD`).
 * - EKS AMI types: the EKS API's AMITypes (boto/botocore@1.43.11:
 *   botocore/data/eks/2017-11-01/service-2.json); the system node group uses a general-purpose
 *   AL2023 type (resolve.ts checks the instance type against it).
 * - EKS Kubernetes versions are `major.minor` (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html).
 */
import type { Issue } from './schema.js';

/** Tag names that move: never a pin. */
const MOVING = /^(latest|main|master|head|stable|edge|nightly|dev|develop|current|release|lts)$/i;
const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
/** OCI `<name>` (a registry host such as `public.ecr.aws` is a component of this form too). */
const IMAGE_NAME = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
/** OCI tag. */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** An exact version: numbers separated by dots, optionally `v`-prefixed and with a pre-release or build suffix. */
const EXACT_VERSION = /^v?\d+(\.\d+){1,3}([-+][0-9A-Za-z][0-9A-Za-z.-]*)?$/;
const URL_FORM = /^(https|oci):\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~%/-]*)?$/;
const CHART = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** General-purpose AL2023 AMI types of the EKS API (the system node group is never accelerated). */
const SYSTEM_AMI_TYPES = ['AL2023_x86_64_STANDARD', 'AL2023_ARM_64_STANDARD'];

type Check = (value: string) => string | undefined;

const q = (v: string) => JSON.stringify(v);

/** Whitespace anywhere is a typing slip that would reach an image reference or a URL. */
const noWhitespace: Check = (v) =>
  /\s/.test(v) ? `${q(v)} contains whitespace (a trailing space, a line break, …)` : undefined;

const exactVersion: Check = (v) =>
  EXACT_VERSION.test(v)
    ? undefined
    : `${q(v)} is not an exact version like 1.2.3 or v1.2.3 (moving names such as "latest" are not pins)`;

const tag: Check = (v) => {
  if (!TAG.test(v)) return `${q(v)} is not an image or git tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`;
  if (MOVING.test(v) || !/\d/.test(v)) return `${q(v)} is a moving tag, not a release: pin a version`;
  return undefined;
};

const imageName: Check = (v) =>
  IMAGE_NAME.test(v)
    ? undefined
    : `${q(v)} is not an image name (lower-case components separated by '/', as the OCI distribution spec defines)`;

/** `name:tag` (an optional `@sha256:<64 hex>` digest after the tag pins it further). */
const imageReference: Check = (v) => {
  const m = /^([^:@]+):([^:@]+)(@sha256:[0-9a-f]{64})?$/.exec(v);
  if (!m) return `${q(v)} is not an image reference name:tag`;
  return imageName(m[1]!) ?? tag(m[2]!);
};

const repository: Check = (v) =>
  /^[a-z]+:\/\//.test(v)
    ? URL_FORM.test(v)
      ? undefined
      : `${q(v)} is not an https:// or oci:// URL`
    : imageName(v);

const BY_KEY: Readonly<Record<string, Check>> = {
  kubernetes: (v) =>
    /^\d+\.\d+$/.test(v) ? undefined : `${q(v)} is not an EKS Kubernetes version like 1.35 (major.minor)`,
  amiAlias: (v) =>
    /^al2023@v\d{8}$/.test(v)
      ? validDate(v.slice(-8))
        ? undefined
        : `${q(v)} names no date (vYYYYMMDD)`
      : `${q(v)} is not a Karpenter AMI alias like al2023@v20250101 (an exact release, not "latest")`,
  repository,
  chart: (v) => (CHART.test(v) ? undefined : `${q(v)} is not a Helm chart name`),
  image: imageName,
  name: imageName,
  tag,
  url: (v) => (URL_FORM.test(v) ? undefined : `${q(v)} is not an https:// or oci:// URL`),
  sha256: (v) => (/^[0-9a-f]{64}$/.test(v) ? undefined : `${q(v)} is not a SHA-256 digest (64 hex digits)`),
  type: (v) =>
    SYSTEM_AMI_TYPES.includes(v)
      ? undefined
      : `${q(v)} is not a general-purpose EKS AL2023 AMI type (${SYSTEM_AMI_TYPES.join(', ')})`,
  releaseVersion: (v) =>
    /^\d+\.\d+\.\d+-\d{8}$/.test(v) && validDate(v.slice(-8))
      ? undefined
      : `${q(v)} is not an EKS AMI release like 1.35.8-20260930`,
};

function validDate(yyyymmdd: string): boolean {
  const [y, m, d] = [yyyymmdd.slice(0, 4), yyyymmdd.slice(4, 6), yyyymmdd.slice(6, 8)].map(Number) as [
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Any other string: an exact version, or an image reference when it looks like one. */
const otherString: Check = (v) => (v.includes('/') && v.includes(':') ? imageReference(v) : exactVersion(v));

/** The problems of a versions table, each at its entry's path (`eksAddons.coredns`). */
export function checkVersions(table: object): Issue[] {
  const issues: Issue[] = [];
  const walk = (value: unknown, path: string, key: string) => {
    if (typeof value === 'string') {
      const reason = noWhitespace(value) ?? (BY_KEY[key] ?? otherString)(value);
      if (reason) issues.push({ path, reason });
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, k);
    } else {
      issues.push({ path, reason: `expected a version string or an object of them, got ${typeof value}` });
    }
  };
  walk(table, '', '');
  const t = table as {
    kubernetes?: unknown;
    systemNodeGroupAmi?: { releaseVersion?: unknown };
    kubeApiserver?: unknown;
  };
  const minor = typeof t.kubernetes === 'string' ? t.kubernetes : undefined;
  const sameMinor = (path: string, v: unknown) => {
    if (minor && typeof v === 'string' && /^\d+\.\d+\./.test(v) && !v.startsWith(`${minor}.`)) {
      issues.push({ path, reason: `${q(v)} is not a release of Kubernetes ${minor} (kubernetes)` });
    }
  };
  sameMinor('systemNodeGroupAmi.releaseVersion', t.systemNodeGroupAmi?.releaseVersion);
  sameMinor('kubeApiserver', t.kubeApiserver);
  return issues;
}
