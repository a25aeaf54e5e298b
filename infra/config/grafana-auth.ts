import { z } from "zod";
import { emailAddress, hostname, webUrl } from "./common";

/**
 * Who may sign in to Grafana and with which role (`grafana.auth`), and who is in each team's
 * Grafana team (`teams[].grafana`). Every value here reaches Grafana through one `grafana.ini`
 * line that the chart renders with Helm's `tpl` and Grafana reads with go-ini: `{` `}` would run
 * as a template, a newline would start another ini key or section, and go-ini cuts a value at its
 * first `#` or `;` (an inline comment). Group names also sit in a JMESPath string literal, where
 * `'` and `\` would end or escape it. None of these characters is accepted.
 */

/** A group name of the identity provider as it appears in the groups claim (Keycloak's full paths start with '/'). */
export const idpGroup = z
  .string()
  .regex(
    /^[A-Za-z0-9/](?:[A-Za-z0-9 ._:/@=+-]{0,126}[A-Za-z0-9._:/@=+-])?$/,
    "expected a group name of letters, digits, space and . _ : / @ = + - (at most 128, starting with a letter, a digit or '/', no trailing space; no quotes, braces, '#' or ';')",
  );

/** A claim path: dot-separated JMESPath identifiers such as `groups` or `realm_access.roles`. */
const claimPath = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}(?:\.[A-Za-z_][A-Za-z0-9_]{0,62}){0,3}$/,
    "expected a claim name such as groups or realm_access.roles (identifiers of letters, digits and '_', joined by '.')",
  );

/** An endpoint of the identity provider: https, and nothing go-ini would read as a comment. */
const idpUrl = (what: string) =>
  webUrl(what).refine(
    (u) => !u.includes(";"),
    `expected ${what} without ';' (grafana.ini reads it as a comment)`,
  );

/**
 * The end-session endpoint may carry a query (`client_id`, `post_logout_redirect_uri`); webUrl
 * already refuses whitespace, control characters, braces and quotes, and go-ini would still cut
 * the line at `#` or `;`.
 */
const endSessionUrl = webUrl("the end-session endpoint, an https:// URL", { query: true }).refine(
  (u) => !/[#;]/.test(u),
  "expected the end-session endpoint without '#' or ';' (grafana.ini reads either as a comment; percent-encode them in the query)",
);

const groups = z
  .array(idpGroup)
  .max(50, "expected at most 50 groups")
  .refine((g) => new Set(g).size === g.length, "expected each group once")
  .default([]);

/** OpenID Connect through Grafana's generic OAuth client. */
export const grafanaOidcSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,38}[A-Za-z0-9)]$/,
        "expected a label of 2-40 letters, digits, spaces and . _ ( ) -",
      )
      .default("Single sign-on")
      .meta({ description: "Label of the sign-in button (`[auth.generic_oauth] name`)." }),
    clientId: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,254}$/,
        "expected a client id of letters, digits and . _ : @ / + = - (at most 255)",
      )
      .meta({
        description:
          "OAuth client id of Grafana at the identity provider. Its secret is the Pulumi secret `grafanaOidcClientSecret`.",
      }),
    authUrl: idpUrl("the authorization endpoint, an https:// URL").meta({
      description:
        "The identity provider's authorization endpoint (`authorization_endpoint` of its `.well-known/openid-configuration`): Grafana's generic OAuth client does no discovery, so all three endpoints are given.",
    }),
    tokenUrl: idpUrl("the token endpoint, an https:// URL").meta({
      description: "The identity provider's token endpoint (`token_endpoint`).",
    }),
    apiUrl: idpUrl("the userinfo endpoint, an https:// URL").meta({
      description: "The identity provider's userinfo endpoint (`userinfo_endpoint`).",
    }),
    scopes: z
      .array(z.string().regex(/^[A-Za-z0-9_.:/-]{1,100}$/, "expected a scope such as openid or groups"))
      .min(1)
      .refine((s) => new Set(s).size === s.length, "expected each scope once")
      .refine((s) => s.includes("openid") && s.includes("email"), {
        message: "expected openid and email among the scopes: Grafana refuses a user without an email",
      })
      .default(["openid", "email", "profile", "groups", "offline_access"])
      .meta({
        description:
          "Scopes Grafana asks for. `openid` and `email` are required (Grafana refuses a user without an email); `offline_access` gives the refresh token Grafana uses to keep the session; the groups claim may need its own scope (`groups` at Keycloak, Okta, Dex).",
      }),
    groupsClaim: claimPath.default("groups").meta({
      description:
        "Claim of the ID token or userinfo that lists the user's groups (`groups_attribute_path`; the role mapping reads it).",
    }),
    loginClaim: claimPath.default("preferred_username").meta({
      description: "Claim that becomes the Grafana login (`login_attribute_path`).",
    }),
    allowedDomains: z.array(hostname).max(20).default([]).meta({
      description:
        "Email domains allowed to sign in (`allowed_domains`); empty allows every user the identity provider lets through and the role mapping admits.",
    }),
    roles: z
      .strictObject({
        admin: groups.meta({
          description: "Groups whose members get Grafana's Admin role in the organisation.",
        }),
        editor: groups.meta({
          description:
            "Groups whose members get the Editor role: alerting writes across the organisation (alert rules in every folder, contact points, notification policies, silences) and Explore; the folders grant it View only, and a team's own folder needs no Editor role.",
        }),
        viewer: groups.meta({
          description:
            "Groups whose members get the Viewer role: read everything; a team's members edit its folder through the team, not through this role.",
        }),
      })
      .superRefine((r, ctx) => {
        const seen = new Map<string, string>();
        for (const role of ["admin", "editor", "viewer"] as const)
          r[role].forEach((g, i) => {
            const other = seen.get(g);
            if (other !== undefined)
              ctx.addIssue({
                code: "custom",
                path: [role, i],
                message: `group "${g}" is already mapped to ${other}: a group maps to one role`,
              });
            seen.set(g, role);
          });
        if (seen.size === 0)
          ctx.addIssue({
            code: "custom",
            path: [],
            message:
              "expected at least one group in admin, editor or viewer: with role_attribute_strict nobody else can sign in",
          });
      })
      .meta({
        description:
          "Which identity-provider groups get which Grafana role (the highest wins). A user in none of them is refused (`role_attribute_strict`): there is no default role.",
      }),
    signoutRedirectUrl: endSessionUrl.optional().meta({
      description:
        "The identity provider's end-session endpoint (`end_session_endpoint`), so that signing out of Grafana signs out of the identity provider. It may carry a query, such as `?client_id=<clientId>&post_logout_redirect_uri=<percent-encoded Grafana URL>`: with `post_logout_redirect_uri` Grafana adds the `id_token_hint` itself. No `#` or `;` (percent-encode them).",
    }),
  })
  .meta({
    description:
      "Single sign-on through OpenID Connect (Grafana's generic OAuth client). Register Grafana at the identity provider with the redirect URI `https://<grafana.hostname>/login/generic_oauth` (docs/design/grafana.md#access).",
  });
export type GrafanaOidcConfig = z.infer<typeof grafanaOidcSchema>;

export const grafanaAuthSchema = z
  .strictObject({
    oidc: grafanaOidcSchema.optional(),
    loginForm: z.boolean().optional().meta({
      description:
        "Whether Grafana shows its user/password form. Default: on without `oidc`, off with it; production requires it off. Off, `admin` is a break-glass account reached through the API (docs/design/grafana.md#break-glass).",
    }),
  })
  .superRefine((a, ctx) => {
    if (a.loginForm === false && a.oidc === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["loginForm"],
        message: "with the login form off and no grafana.auth.oidc nobody can sign in to Grafana's UI",
      });
  })
  .prefault({})
  .meta({
    description:
      "How people sign in to Grafana: single sign-on, and whether the login form is shown. The `admin` account always remains, as break-glass.",
  });
export type GrafanaAuthConfig = z.infer<typeof grafanaAuthSchema>;

/** The login form's setting once defaults are resolved: off with single sign-on, on without. */
export const loginFormEnabled = (auth: GrafanaAuthConfig): boolean =>
  auth.loginForm ?? auth.oidc === undefined;

/** Production signs in through the identity provider only. */
export function grafanaAuthProductionProblems(
  auth: GrafanaAuthConfig,
  production: boolean,
): { path: string[]; message: string }[] {
  if (!production) return [];
  if (auth.oidc === undefined)
    return [
      {
        path: ["grafana", "auth", "oidc"],
        message:
          "production signs in through single sign-on: set grafana.auth.oidc (and the secret grafanaOidcClientSecret)",
      },
    ];
  if (auth.loginForm === true)
    return [
      {
        path: ["grafana", "auth", "loginForm"],
        message:
          "production keeps Grafana's login form off; admin remains a break-glass account through the API (docs/design/grafana.md#break-glass)",
      },
    ];
  return [];
}

const emails = z
  .array(emailAddress)
  .max(500)
  .refine(
    (e) => new Set(e.map((x) => x.toLowerCase())).size === e.length,
    "expected each email once (Grafana compares them without case)",
  );

/** A team's Grafana team: its members by email (Grafana OSS has no team sync). */
export const teamGrafanaSchema = z
  .strictObject({
    members: emails.optional().meta({
      description:
        "Members of the team's Grafana team, by the email Grafana has for them. Each must have signed in once (single sign-on creates the user at the first sign-in): the Grafana provider fails `pulumi up` on an email Grafana does not know. Unset: members are managed in Grafana's UI and left alone.",
    }),
    admins: emails.optional().meta({
      description:
        "Team administrators (may add and remove members in Grafana's UI), by email; the same rule as `members`.",
    }),
    groups: z.unknown().optional().meta({
      description:
        "Not supported: team membership from identity-provider groups (team sync) needs Grafana Enterprise and a licence, and this program deploys Grafana OSS. List members by email instead.",
    }),
  })
  .superRefine((t, ctx) => {
    if (t.groups !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["groups"],
        message:
          "team sync from identity-provider groups needs Grafana Enterprise and a licence; this program deploys Grafana OSS: list the team's members by email",
      });
    const members = new Set((t.members ?? []).map((e) => e.toLowerCase()));
    (t.admins ?? []).forEach((e, i) => {
      if (members.has(e.toLowerCase()))
        ctx.addIssue({
          code: "custom",
          path: ["admins", i],
          message: `${e} is already a member: list a person under members or admins, not both`,
        });
    });
  });
export type TeamGrafanaConfig = z.infer<typeof teamGrafanaSchema>;
