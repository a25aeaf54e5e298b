import { describe, expect, it } from "vitest";
import { READER_ROLES } from "../../infra/catalog/log-roles";
import { PROJECT } from "../../infra/config";
import { ROLE_ACCESS } from "../../infra/generators/logging";
import { readStackFile } from "../../scripts/lib/stack-file";
import { configProblems } from "../helpers/config";

/**
 * The keys of logs access (issue 25, section 4) and of the ingress controller's namespace: what
 * the schema accepts, and hostile or careless values refused with the key named. Kibana's endpoint
 * takes Grafana's choices (infra/config/endpoint.ts) under `logging.kibana.endpoint`.
 */

type Json = unknown;

const ARN = "arn:aws:acm:us-east-1:222222222222:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f";
const ZONE = "Z04EXAMPLEACMEPROD0000";
const NGINX = {
  hostname: "kibana.acme.example.com",
  ingressClassName: "nginx",
  tls: { source: "cert-manager", clusterIssuer: "letsencrypt-prod" },
  dns: { source: "external-dns" },
};
const ALB = {
  hostname: "kibana.acme.example.com",
  ingressClassName: "alb",
  albScheme: "internal",
  tls: { source: "acm", certificateArn: ARN },
  dns: { source: "route53", hostedZoneId: ZONE },
};

/** The prod stack with its logging block edited (and other top-level keys replaced). */
function problems(edit: (logging: Record<string, Json>) => void, extra: Record<string, Json> = {}): string[] {
  const file = readStackFile("prod");
  const logging = JSON.parse(file.config[`${PROJECT}:logging`] ?? "{}") as Record<string, Json>;
  edit(logging);
  file.config[`${PROJECT}:logging`] = JSON.stringify(logging);
  for (const [k, v] of Object.entries(extra)) file.config[`${PROJECT}:${k}`] = JSON.stringify(v);
  return configProblems(file.config, file.secretKeys);
}
const kibana = (l: Record<string, Json>) => l.kibana as Record<string, Json>;
const withEndpoint = (endpoint: Json) => (l: Record<string, Json>) => {
  if (endpoint === undefined) delete kibana(l).endpoint;
  else kibana(l).endpoint = endpoint;
};
const withUsers = (users: Json) => (l: Record<string, Json>) => {
  l.users = users;
};
const prodKubernetes = () =>
  JSON.parse(readStackFile("prod").config[`${PROJECT}:kubernetes`] ?? "{}") as Record<string, Json>;

/** Every problem names a key under `prefix`, and one matches `message`. */
function expectRefused(found: string[], prefix: string, message: RegExp) {
  expect(found.length, "accepted").toBeGreaterThan(0);
  expect(found.join("\n")).toMatch(message);
  for (const p of found) expect(p.startsWith(`${PROJECT}:${prefix}`), p).toBe(true);
}

describe("logging.kibana.endpoint", () => {
  it("accepts each certificate source with each DNS source, and no endpoint at all", () => {
    expect(problems(withEndpoint(undefined))).toEqual([]);
    expect(problems(withEndpoint(ALB))).toEqual([]);
    for (const tls of [
      { source: "cert-manager", clusterIssuer: "letsencrypt-prod" },
      { source: "secret", secretName: "kibana-wildcard" },
    ])
      for (const dns of [{ source: "external-dns" }, { source: "route53", hostedZoneId: ZONE }])
        expect(problems(withEndpoint({ ...NGINX, tls, dns })), JSON.stringify({ tls, dns })).toEqual([]);
  });

  it("refuses hostile and careless values, naming the key", () => {
    const p = "logging.kibana.endpoint";
    const cases: [Json, RegExp][] = [
      [{ ...NGINX, hostname: undefined }, /endpoint\.hostname: /],
      [{ ...NGINX, hostname: "kibana..example.com" }, /endpoint\.hostname: expected a DNS host name/],
      [{ ...NGINX, hostname: "https://kibana.example.com" }, /endpoint\.hostname: expected a DNS host name/],
      [{ ...NGINX, hostname: `${"k".repeat(64)}.example.com` }, /endpoint\.hostname: expected DNS labels/],
      [{ ...NGINX, hostname: "Kibana.example.com" }, /endpoint\.hostname/],
      [{ ...NGINX, ingressClassName: "nginx public" }, /endpoint\.ingressClassName/],
      [{ ...NGINX, tls: undefined }, /endpoint\.tls: required with logging\.kibana\.endpoint\.hostname/],
      [{ ...NGINX, dns: undefined }, /endpoint\.dns: required with logging\.kibana\.endpoint\.hostname/],
      [
        { ...NGINX, tls: { source: "cert-manager" } },
        /endpoint\.tls\.clusterIssuer: required with source cert-manager/,
      ],
      [{ ...NGINX, tls: { source: "letsencrypt" } }, /endpoint\.tls\.source/],
      [{ ...NGINX, tls: { source: "secret", secretName: "../kibana-tls" } }, /endpoint\.tls\.secretName/],
      // Only Grafana's provider reads a private CA: Kibana's certificate has no such key.
      [{ ...NGINX, tls: { ...NGINX.tls, privateCa: true } }, /endpoint\.tls(\.privateCa)?: unknown key/],
      [
        { ...NGINX, tls: { source: "acm", certificateArn: ARN } },
        /endpoint\.tls\.source: acm certificates are served by the AWS Load Balancer Controller/,
      ],
      [{ ...ALB, tls: NGINX.tls }, /endpoint\.tls\.source: ingressClassName alb .* ACM certificates only/],
      [
        { ...ALB, tls: { source: "acm", certificateArn: ARN.replace(":acm:", ":iam:") } },
        /endpoint\.tls\.certificateArn: expected an ACM/,
      ],
      [{ ...ALB, albScheme: "public" }, /endpoint\.albScheme/],
      [{ ...NGINX, albScheme: "internal" }, /endpoint\.albScheme: only the AWS Load Balancer Controller/],
      [{ ...NGINX, dns: { source: "route53" } }, /endpoint\.dns\.hostedZoneId: required with source route53/],
      [
        { ...NGINX, dns: { source: "route53", hostedZoneId: `/hostedzone/${ZONE}` } },
        /endpoint\.dns\.hostedZoneId: expected a Route53 hosted zone id/,
      ],
      [
        { ...NGINX, dns: { source: "external-dns", hostedZoneId: ZONE } },
        /endpoint\.dns\.hostedZoneId: only used with source route53/,
      ],
      [{ ...NGINX, path: "/kibana" }, /endpoint(\.path)?: unknown key/],
      ["kibana.acme.example.com", /endpoint: /],
    ];
    for (const [endpoint, message] of cases) expectRefused(problems(withEndpoint(endpoint)), p, message);
  });

  it("refuses Grafana's host name, naming the key, and takes any other", () => {
    const grafana = JSON.parse(readStackFile("prod").config[`${PROJECT}:grafana`] ?? "{}") as {
      hostname: string;
    };
    const taken = problems(withEndpoint({ ...ALB, hostname: grafana.hostname }));
    expect(taken).toEqual([
      `${PROJECT}:logging.kibana.endpoint.hostname: "${grafana.hostname}" is already grafana.hostname: Kibana needs a host name of its own`,
    ]);
    expect(problems(withEndpoint({ ...ALB, hostname: `kibana.${grafana.hostname}` }))).toEqual([]);
    // Without a public Grafana there is nothing to collide with.
    const { hostname: _h, tls: _t, dns: _d, ...inCluster } = grafana as Record<string, Json>;
    expect(problems(withEndpoint({ ...ALB, hostname: grafana.hostname }), { grafana: inCluster })).toEqual(
      [],
    );
  });

  it("refuses a certificate of another account or region than the stack's", () => {
    const account = problems(
      withEndpoint({
        ...ALB,
        tls: { source: "acm", certificateArn: ARN.replace("222222222222", "111111111111") },
      }),
    );
    expectRefused(account, "logging.kibana.endpoint.tls.certificateArn", /names account 111111111111/);
    const region = problems(
      withEndpoint({
        ...ALB,
        tls: { source: "acm", certificateArn: ARN.replace(/us-east-1/g, "eu-west-1") },
      }),
    );
    expectRefused(region, "logging.kibana.endpoint.tls.certificateArn", /the certificate is in eu-west-1/);
  });
});

describe("logging.users", () => {
  const user = (extra: Record<string, Json> = {}) => ({ username: "jdoe", roles: ["log-reader"], ...extra });

  it("accepts people with the reader roles, names and a rotation", () => {
    expect(problems(withUsers([]))).toEqual([]);
    expect(
      problems(
        withUsers([
          user({ fullName: "Jane Doe", email: "jane@example.com", passwordRotation: 3 }),
          { username: "auditor_1", roles: [...READER_ROLES] },
        ]),
      ),
    ).toEqual([]);
  });

  it("offers exactly the roles people read logs with in Kibana", () => {
    const kibanaRoles = Object.entries(ROLE_ACCESS)
      .filter(([, a]) => a.kibana)
      .map(([r]) => r);
    expect([...READER_ROLES].sort()).toEqual(kibanaRoles.sort());
  });

  it("refuses hostile and careless values, naming the key", () => {
    const cases: [Json, string, RegExp][] = [
      // Reserved and built-in users: Elasticsearch's reserved realm, ECK's, and our file realm's.
      [[user({ username: "elastic" })], "logging.users[0].username", /not a built-in/],
      [[user({ username: "kibana_system" })], "logging.users[0].username", /not a built-in/],
      [[user({ username: "elastic-internal-probe" })], "logging.users[0].username", /not a built-in/],
      [[user({ username: "elasticsearch-exporter" })], "logging.users[0].username", /exporter's own user/],
      [[user({ username: "grafana-reader" })], "logging.users[0].username", /Grafana's reader/],
      // Not a name basic auth, a Secret key or a file name can carry.
      [[user({ username: "j:doe" })], "logging.users[0].username", /expected a user name/],
      [[user({ username: "../etc/passwd" })], "logging.users[0].username", /expected a user name/],
      [[user({ username: "Jane Doe" })], "logging.users[0].username", /expected a user name/],
      [[user({ username: "jane.doe@example.com" })], "logging.users[0].username", /expected a user name/],
      [[user({ username: "" })], "logging.users[0].username", /expected a user name/],
      [[user({ username: "j".repeat(64) })], "logging.users[0].username", /expected a user name/],
      [[user(), user()], "logging.users[1].username", /duplicate user "jdoe"/],
      // Roles that are not ours to hand out, or none.
      [[user({ roles: ["superuser"] })], "logging.users[0].roles[0]", /log-reader/],
      [[user({ roles: ["grafana-reader"] })], "logging.users[0].roles[0]", /log-reader/],
      [[user({ roles: ["elasticsearch-exporter"] })], "logging.users[0].roles[0]", /log-reader/],
      [[user({ roles: [] })], "logging.users[0].roles", /at least one role/],
      [[user({ roles: ["auditor", "auditor"] })], "logging.users[0].roles", /each role once/],
      [[user({ roles: "auditor" })], "logging.users[0].roles", /expected array/],
      // Names and addresses that would break a line or the user's record.
      [[user({ fullName: "Jane\nDoe" })], "logging.users[0].fullName", /one line/],
      [[user({ fullName: " Jane" })], "logging.users[0].fullName", /leading or trailing/],
      [[user({ email: "jane" })], "logging.users[0].email", /email/],
      [[user({ email: "jane@example.com\r\nBcc: x@evil.example" })], "logging.users[0].email", /email/],
      [[user({ passwordRotation: -1 })], "logging.users[0].passwordRotation", /./],
      [[user({ passwordRotation: 1.5 })], "logging.users[0].passwordRotation", /./],
      [[user({ passwordRotation: "1" })], "logging.users[0].passwordRotation", /./],
      // A password is generated, never configured (it would sit in the stack file in clear).
      [[user({ password: "hunter22" })], "logging.users[0]", /unknown key/],
      [{ jdoe: ["log-reader"] }, "logging.users", /expected array/],
    ];
    for (const [users, key, message] of cases) {
      const found = problems(withUsers(users));
      expect(found.length, JSON.stringify(users)).toBeGreaterThan(0);
      const mine = found.filter((p) => p.startsWith(`${PROJECT}:${key}`));
      expect(mine.join("\n"), `${JSON.stringify(users)}: ${found.join("; ")}`).toMatch(message);
    }
  });
});

describe("kubernetes.ingressControllerNamespace", () => {
  const withNamespace = (ns: Json) => ({
    kubernetes: { ...prodKubernetes(), ingressControllerNamespace: ns },
  });

  it("is read with an endpoint behind a class other than alb, and refused where nothing reads it", () => {
    // prod: Grafana and Kibana both on ALBs, whose load balancers are no pods.
    expectRefused(
      problems(() => {}, withNamespace("ingress-nginx")),
      "kubernetes.ingressControllerNamespace",
      /only used when/,
    );
    expect(problems(withEndpoint(NGINX), withNamespace("ingress-nginx"))).toEqual([]);
  });

  it("refuses names that are not a namespace's", () => {
    for (const ns of [
      "Ingress-Nginx",
      "ingress_nginx",
      "-ingress",
      "n".repeat(64),
      "",
      "ingress-nginx/controller",
    ])
      expectRefused(
        problems(withEndpoint(NGINX), withNamespace(ns)),
        "kubernetes.ingressControllerNamespace",
        /expected a namespace name/,
      );
  });
});
