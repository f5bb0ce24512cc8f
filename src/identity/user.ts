/** The signed-in person as the rest of Gatehouse sees them. `id` is opaque; email and name are private data. */
export interface User {
  id: string;
  email: string;
  name: string;
  /** the identity provider id (`dev` for the development login) */
  idp?: string;
}
