import type * as k8s from "@pulumi/kubernetes";

/**
 * An offline evaluator of the Pod Security Standards, as the API server's PodSecurity admission
 * enforces them at one version: the checks of k8s.io/pod-security-admission's `policy/` package
 * (check_*.go) as they stand for Kubernetes v1.33, which tests/pod-security/fixtures.test.ts
 * calibrates against that module's own pass and fail fixtures for v1.33 (vendored under
 * tests/data/pod-security/). No npm package or Debian tool evaluates Pod Security offline; the
 * reference is Go only.
 *
 * Semantics kept from the reference: init, regular and ephemeral containers are all visited; a
 * restricted check that replaces a baseline one (capabilities, volumes, seccomp) is evaluated
 * instead of it; pods with `spec.os.name: windows` skip the Linux-only restricted checks
 * (allowPrivilegeEscalation, capabilities, seccomp, from v1.25); the user-namespace relaxation
 * (`hostUsers: false`) is off, as it is without the alpha UserNamespacesPodSecurityStandards gate.
 * The v1.34 check of probe and lifecycle hosts is not part of v1.33.
 */

/** The Kubernetes minor whose Pod Security checks this evaluator implements. */
export const EVALUATOR_VERSION = "v1.33";

export type Level = "privileged" | "baseline" | "restricted";
export const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"];

/** A JSON object read as the provider's type: every field optional, as in a rendered manifest. */
export type Loose<T> = {
  [K in keyof T]?: T[K] extends readonly (infer U)[] ? Loose<U>[] : T[K] extends object ? Loose<T[K]> : T[K];
};
export type PodSpec = Loose<k8s.types.output.core.v1.PodSpec>;
export type Container = Loose<k8s.types.output.core.v1.Container>;
export interface PodLike {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface Violation {
  /** The reference's check id, e.g. `runAsNonRoot`. */
  check: string;
  level: Exclude<Level, "privileged">;
  detail: string;
}

interface Check {
  id: string;
  level: Exclude<Level, "privileged">;
  /** Baseline checks this one replaces when evaluating at restricted. */
  overrides?: string[];
  /** Skipped for Windows pods (the reference's 1.25 variants). */
  linuxOnly?: boolean;
  /** What is wrong, or undefined when the pod passes. */
  run(pod: PodLike): string | undefined;
}

const containersOf = (spec: PodSpec): Container[] => [
  ...(spec.initContainers ?? []),
  ...(spec.containers ?? []),
  ...((spec.ephemeralContainers ?? []) as Container[]),
];
const names = (cs: Container[]): string => cs.map((c) => `"${c.name}"`).join(", ");
const failing = (spec: PodSpec, bad: (c: Container) => boolean, what: string): string | undefined => {
  const found = containersOf(spec).filter(bad);
  return found.length > 0 ? `container(s) ${names(found)} ${what}` : undefined;
};
const join = (...parts: (string | undefined | false)[]): string | undefined => {
  const found = parts.filter((p): p is string => typeof p === "string" && p !== "");
  return found.length > 0 ? found.join("; ") : undefined;
};

const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
/** check_sysctls.go: the v1.32 set (the last change before v1.33). */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
]);
/** check_seLinuxOptions.go, v1.31 and later. */
const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);
/** check_restrictedVolumes.go: the inline volume sources restricted allows. */
const RESTRICTED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
const VALID_SECCOMP = new Set(["RuntimeDefault", "Localhost"]);
const APPARMOR_BETA_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const CHECKS: Check[] = [
  {
    id: "windowsHostProcess",
    level: "baseline",
    run: ({ spec }) =>
      join(
        spec.securityContext?.windowsOptions?.hostProcess === true && "pod sets windowsOptions.hostProcess",
        failing(
          spec,
          (c) => c.securityContext?.windowsOptions?.hostProcess === true,
          "set windowsOptions.hostProcess",
        ),
      ),
  },
  {
    id: "hostNamespaces",
    level: "baseline",
    run: ({ spec }) =>
      join(
        spec.hostNetwork && "hostNetwork=true",
        spec.hostPID && "hostPID=true",
        spec.hostIPC && "hostIPC=true",
      ),
  },
  {
    id: "privileged",
    level: "baseline",
    run: ({ spec }) =>
      failing(spec, (c) => c.securityContext?.privileged === true, "set securityContext.privileged=true"),
  },
  {
    id: "capabilities_baseline",
    level: "baseline",
    run: ({ spec }) =>
      failing(
        spec,
        (c) => (c.securityContext?.capabilities?.add ?? []).some((a) => !BASELINE_CAPABILITIES.has(a)),
        "add capabilities beyond the default set",
      ),
  },
  {
    id: "hostPathVolumes",
    level: "baseline",
    run: ({ spec }) => {
      const found = (spec.volumes ?? []).filter((v) => v.hostPath !== undefined && v.hostPath !== null);
      return found.length > 0
        ? `hostPath volume(s) ${found.map((v) => `"${v.name}"`).join(", ")}`
        : undefined;
    },
  },
  {
    id: "hostPorts",
    level: "baseline",
    run: ({ spec }) =>
      failing(spec, (c) => (c.ports ?? []).some((p) => (p.hostPort ?? 0) !== 0), "use hostPort"),
  },
  {
    id: "appArmorProfile",
    level: "baseline",
    run: ({ metadata, spec }) => {
      const ok = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
      const pod = spec.securityContext?.appArmorProfile;
      const annotations = Object.entries(metadata?.annotations ?? {}).filter(
        ([k, v]) =>
          k.startsWith(APPARMOR_BETA_PREFIX) &&
          !(v === "" || v === "runtime/default" || v.startsWith("localhost/")),
      );
      return join(
        pod !== undefined && !ok(pod.type) && `pod sets AppArmor profile type ${pod.type}`,
        failing(
          spec,
          (c) =>
            c.securityContext?.appArmorProfile !== undefined && !ok(c.securityContext.appArmorProfile.type),
          "set a forbidden AppArmor profile type",
        ),
        annotations.length > 0 &&
          `forbidden AppArmor annotation(s) ${annotations.map(([k]) => k).join(", ")}`,
      );
    },
  },
  {
    id: "seLinuxOptions",
    level: "baseline",
    run: ({ spec }) => {
      const bad = (o: Loose<k8s.types.output.core.v1.SELinuxOptions> | undefined) =>
        o !== undefined &&
        (!SELINUX_TYPES.has(o.type ?? "") || (o.user ?? "") !== "" || (o.role ?? "") !== "");
      return join(
        bad(spec.securityContext?.seLinuxOptions) && "pod sets forbidden seLinuxOptions",
        failing(spec, (c) => bad(c.securityContext?.seLinuxOptions), "set forbidden seLinuxOptions"),
      );
    },
  },
  {
    id: "procMount",
    level: "baseline",
    run: ({ spec }) =>
      failing(
        spec,
        (c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== "Default",
        "set securityContext.procMount to a value other than Default",
      ),
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    // v1.19 and later read the fields; the alpha annotations only the v1.0-v1.18 variant.
    run: ({ spec }) => {
      const pod = spec.securityContext?.seccompProfile;
      return join(
        pod !== undefined && !VALID_SECCOMP.has(pod.type ?? "") && `pod sets seccompProfile.type ${pod.type}`,
        failing(
          spec,
          (c) =>
            c.securityContext?.seccompProfile !== undefined &&
            !VALID_SECCOMP.has(c.securityContext.seccompProfile.type ?? ""),
          "set a forbidden seccompProfile.type",
        ),
      );
    },
  },
  {
    id: "sysctls",
    level: "baseline",
    run: ({ spec }) => {
      const bad = (spec.securityContext?.sysctls ?? []).filter((s) => !SAFE_SYSCTLS.has(s.name ?? ""));
      return bad.length > 0 ? `forbidden sysctls ${bad.map((s) => s.name).join(", ")}` : undefined;
    },
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
    overrides: ["hostPathVolumes"],
    run: ({ spec }) => {
      const bad = (spec.volumes ?? []).filter(
        (v) =>
          !Object.keys(v).some((k) => RESTRICTED_VOLUMES.has(k) && (v as Record<string, unknown>)[k] != null),
      );
      return bad.length > 0
        ? `volume(s) ${bad.map((v) => `"${v.name}"`).join(", ")} of a restricted type`
        : undefined;
    },
  },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    linuxOnly: true,
    run: ({ spec }) =>
      failing(
        spec,
        (c) => c.securityContext?.allowPrivilegeEscalation !== false,
        "must set securityContext.allowPrivilegeEscalation=false",
      ),
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    run: ({ spec }) => {
      const pod = spec.securityContext?.runAsNonRoot;
      return join(
        pod === false && "pod sets runAsNonRoot=false",
        failing(
          spec,
          (c) =>
            c.securityContext?.runAsNonRoot === false ||
            (c.securityContext?.runAsNonRoot === undefined && pod !== true),
          "must set securityContext.runAsNonRoot=true (or the pod must)",
        ),
      );
    },
  },
  {
    id: "runAsUser",
    level: "restricted",
    run: ({ spec }) =>
      join(
        spec.securityContext?.runAsUser === 0 && "pod sets runAsUser=0",
        failing(spec, (c) => c.securityContext?.runAsUser === 0, "set runAsUser=0"),
      ),
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    overrides: ["seccompProfile_baseline"],
    linuxOnly: true,
    run: ({ spec }) => {
      const pod = spec.securityContext?.seccompProfile;
      const podValid = pod !== undefined && VALID_SECCOMP.has(pod.type ?? "");
      return join(
        pod !== undefined && !podValid && `pod sets seccompProfile.type ${pod.type}`,
        failing(
          spec,
          (c) => {
            const own = c.securityContext?.seccompProfile;
            return own !== undefined ? !VALID_SECCOMP.has(own.type ?? "") : !podValid;
          },
          'must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost" (or the pod must)',
        ),
      );
    },
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    overrides: ["capabilities_baseline"],
    linuxOnly: true,
    run: ({ spec }) =>
      join(
        failing(
          spec,
          (c) => !(c.securityContext?.capabilities?.drop ?? []).includes("ALL"),
          'must set securityContext.capabilities.drop=["ALL"]',
        ),
        failing(
          spec,
          (c) => (c.securityContext?.capabilities?.add ?? []).some((a) => a !== "NET_BIND_SERVICE"),
          "add capabilities other than NET_BIND_SERVICE",
        ),
      ),
  },
];

/** Every check id the evaluator knows, with its level. */
export const CHECK_IDS: Readonly<Record<string, Exclude<Level, "privileged">>> = Object.fromEntries(
  CHECKS.map((c) => [c.id, c.level]),
);
/** For a restricted check that replaces baseline ones, the ids it replaces. */
export const OVERRIDES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  CHECKS.filter((c) => c.overrides).map((c) => [c.id, c.overrides!]),
);

/**
 * The pod as admission sees it, after the API server's defaulting of the fields the checks read
 * (k8s.io/kubernetes pkg/apis/core/v1/defaults.go): a volume that names no source is an emptyDir
 * (SetDefaults_Volume), and on the host network every container port is also a host port
 * (SetDefaults_Pod).
 */
export function defaulted(pod: PodLike): PodLike {
  const spec = pod.spec;
  const hostPorts = (cs: Container[] | undefined) =>
    cs?.map((c) => ({
      ...c,
      ports: c.ports?.map((p) => (p.hostPort ? p : { ...p, hostPort: p.containerPort })),
    }));
  return {
    ...pod,
    spec: {
      ...spec,
      volumes: spec.volumes?.map((v) =>
        Object.keys(v).some((k) => k !== "name") ? v : { ...v, emptyDir: {} },
      ),
      ...(spec.hostNetwork
        ? {
            containers: hostPorts(spec.containers),
            initContainers: hostPorts(spec.initContainers),
          }
        : {}),
    },
  };
}

/** What keeps the pod out of `level` (none: it is admitted there). */
export function violations(given: PodLike, level: Level): Violation[] {
  if (level === "privileged") return [];
  const pod = defaulted(given);
  const active = CHECKS.filter((c) => level === "restricted" || c.level === "baseline");
  const replaced = new Set(active.flatMap((c) => (level === "restricted" ? (c.overrides ?? []) : [])));
  const windows = pod.spec.os?.name === "windows";
  return active
    .filter((c) => !replaced.has(c.id) && !(windows && c.linuxOnly))
    .flatMap((c) => {
      const detail = c.run(pod);
      return detail === undefined ? [] : [{ check: c.id, level: c.level, detail }];
    });
}

export const admits = (pod: PodLike, level: Level): boolean => violations(pod, level).length === 0;

/** The strictest level that admits the pod. */
export const strictestLevel = (pod: PodLike): Level =>
  admits(pod, "restricted") ? "restricted" : admits(pod, "baseline") ? "baseline" : "privileged";
