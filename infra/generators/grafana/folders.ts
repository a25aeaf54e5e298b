import type { DashboardContext, DashboardDefinition } from "../../../dashboards";
import type { StackConfig } from "../../config";

export interface FolderSpec {
  uid: string;
  title: string;
  /** Owning team; undefined for the shared folder. */
  team?: string;
}

/** Dashboards that span several teams' services live here. */
export const SHARED_FOLDER: FolderSpec = { uid: "observability-shared", title: "Observability (shared)" };

export const teamFolderUid = (team: string): string => `team-${team}`;

/** A folder per owning team, plus the shared one. */
export function folders(config: Pick<StackConfig, "teams">): FolderSpec[] {
  return [
    SHARED_FOLDER,
    ...config.teams.map((t) => ({ uid: teamFolderUid(t.name), title: `Team ${t.name}`, team: t.name })),
  ];
}

/** A dashboard belongs to the team that owns every service it shows; otherwise it is shared. */
export function dashboardFolder(def: DashboardDefinition, ctx: DashboardContext): FolderSpec {
  const teams = new Set(def.services(ctx).map((s) => s.team));
  const [only] = [...teams];
  return teams.size === 1 && only
    ? { uid: teamFolderUid(only), title: `Team ${only}`, team: only }
    : SHARED_FOLDER;
}

export const folderArgs = (f: FolderSpec) => ({ uid: f.uid, title: f.title });
