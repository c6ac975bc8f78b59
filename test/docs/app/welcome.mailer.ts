/** A service of your app, run as the job's tenant. */
export class WelcomeMailer {
  async send(userId: string): Promise<void> {
    void userId;
  }
}
