import { DASHBOARDS, dashboardContext } from "../../../dashboards";
import type { StackConfig } from "../../config";
import { ref } from "../refs";
import { dashboardFolder } from "./folders";

export interface RenderedDashboard {
  uid: string;
  title: string;
  folderUid: string;
  /** The dashboard model as Grafana's API takes it (the Foundation SDK's output). */
  model: Record<string, unknown>;
}

/** Every dashboard built for this stack, with the folder it goes in. */
export function renderDashboards(config: StackConfig): RenderedDashboard[] {
  const ctx = dashboardContext(config);
  return DASHBOARDS.map((def) => ({
    uid: def.uid,
    title: def.title,
    folderUid: dashboardFolder(def, ctx).uid,
    model: def.build(ctx) as unknown as Record<string, unknown>,
  }));
}

/** A dashboard as the provider takes it, in its folder (`ref("folder:<uid>")`). */
export const dashboardArgs = (d: RenderedDashboard) => ({
  configJson: JSON.stringify(d.model),
  folder: ref(`folder:${d.folderUid}`),
  overwrite: true,
  message: "Managed by Pulumi (dashboards/)",
});
