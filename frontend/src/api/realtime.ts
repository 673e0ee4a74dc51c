/** Shapes of the project websocket (/ws/projects/{id}/): the event envelope and presence. */

export interface RealtimeEvent {
  type: string;
  payload: unknown;
}

/** Who is in the project, and on which image (labeller presence). */
export interface PresenceEntry {
  user: string;
  image: number | null;
}
