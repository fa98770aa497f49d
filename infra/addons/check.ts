/**
 * The pinned EKS add-on versions against what EKS offers for the pinned Kubernetes version in a
 * region, as `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>`
 * returns it (https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeAddonVersions.html:
 * `addons[].addonVersions[].addonVersion`, `.compatibilities[].clusterVersion`,
 * `.compatibilities[].defaultVersion`). `npm run addons:check` runs it; nothing here calls AWS.
 */

/** One add-on's offer, as DescribeAddonVersions returns it (only the fields read here). */
export interface AddonOffer {
  readonly addons: readonly {
    readonly addonName: string;
    readonly addonVersions: readonly {
      readonly addonVersion: string;
      readonly compatibilities?: readonly {
        readonly clusterVersion?: string;
        readonly defaultVersion?: boolean;
      }[];
    }[];
  }[];
}

export interface AddonCheck {
  readonly addon: string;
  readonly pinned: string;
  /** EKS offers the pinned version for the Kubernetes version. */
  readonly offered: boolean;
  /** The version EKS marks as default for the Kubernetes version, if any. */
  readonly defaultVersion: string | undefined;
  /** The highest version offered (by eksbuild-aware numeric order), if any. */
  readonly newest: string | undefined;
}

/** `v1.2.3-eksbuild.4` -> [1, 2, 3, 4]; numbers of any other shape compare as text. */
function parts(v: string): number[] {
  return (v.match(/\d+/g) ?? []).map(Number);
}

export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

/** Checks one pinned add-on against EKS's answer for `kubernetes`. */
export function checkAddon(addon: string, pinned: string, kubernetes: string, offer: AddonOffer): AddonCheck {
  const versions = offer.addons
    .filter((a) => a.addonName === addon)
    .flatMap((a) => a.addonVersions)
    .filter((v) =>
      (v.compatibilities ?? []).some(
        (c) => c.clusterVersion === undefined || c.clusterVersion === kubernetes,
      ),
    );
  const names = versions.map((v) => v.addonVersion).sort(compareVersions);
  const defaultVersion = versions.find((v) =>
    (v.compatibilities ?? []).some(
      (c) => c.defaultVersion && (c.clusterVersion ?? kubernetes) === kubernetes,
    ),
  )?.addonVersion;
  return { addon, pinned, offered: names.includes(pinned), defaultVersion, newest: names.at(-1) };
}

/** A plain-text table of checks, and whether every pin is offered. */
export function formatChecks(
  kubernetes: string,
  region: string,
  checks: readonly AddonCheck[],
): { text: string; ok: boolean } {
  const rows = checks.map((c) => [
    c.addon,
    c.pinned,
    c.offered ? 'offered' : 'NOT OFFERED',
    c.defaultVersion ?? '-',
    c.newest ?? '-',
  ]);
  const header = ['add-on', 'pinned', `Kubernetes ${kubernetes} in ${region}`, 'default', 'newest'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const ok = checks.every((c) => c.offered);
  return { text: [line(header), ...rows.map(line)].join('\n'), ok };
}
