import { buildWebApp } from "../node/dev-server";

/** One web build for the whole fault suite; each file starts the servers it needs. */
export default function setup() {
  buildWebApp();
}
