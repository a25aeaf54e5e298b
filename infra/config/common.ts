import { z } from "zod";

/** Lowercase DNS-label style names: usable as Kubernetes names, label values and bucket name parts. */
export const dnsName = z
  .string()
  .regex(
    /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/,
    "expected a lowercase name (a-z, 0-9, '-'), at most 40 characters",
  );

export const emailAddress = z.email("expected an email address");
