/** A route of the app under test, as the leak test calls it. */
export interface TenantLeakRoute {
  /** `GET`, `POST`, `PUT`, `PATCH`, `DELETE`. */
  method: string;
  /** The full path pattern, global prefix and version included: `/api/v1/projects/:id`. */
  path: string;
  /** `ProjectsController.get`. */
  handler: string;
}
