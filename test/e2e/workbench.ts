/**
 * The VS Code workbench as a user drives it, for the end-to-end scenario: the command
 * palette and the prompts commands show (quick picks and input boxes), views in the
 * activity bar and their trees, the editor's hover, the notification center and webview
 * contents. Every method waits on something the page shows; none sleeps. The selectors
 * are the workbench's own classes, as VS Code 1.100 (code-server 4.100.3) renders them.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';

export class Workbench {
  private constructor(readonly page: Page) {}

  /** Opens the folder and waits until the PruneLens server is ready (its status item shows the idle pulse). */
  static async open(page: Page, url: string, folder: string): Promise<Workbench> {
    await page.goto(`${url}?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor();
    const wb = new Workbench(page);
    await wb.statusItem('prunelens.prunelens.prunelens.status').locator('.codicon-pulse').waitFor();
    return wb;
  }

  statusItem(id: string): Locator {
    return this.page.locator(`.statusbar-item[id="${id}"]`);
  }

  // --- the command palette and the prompts ---------------------------------------------

  private get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Runs a command by its title as the palette lists it ("PruneLens: Analyze Sensitivity..."). */
  async runCommand(title: string): Promise<void> {
    await this.quickOpen(`>${title}`, title);
  }

  /** Opens a workspace file by its path from the root, through Quick Open. */
  async openFile(relative: string): Promise<void> {
    const name = relative.split('/').at(-1) ?? relative;
    await this.quickOpen(relative, name);
    await this.page.locator('.tabs-container .tab', { hasText: name }).waitFor();
  }

  /** Moves the cursor of the active editor to a line (1-based), which scrolls it into view. */
  async goToLine(line: number): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.quickInput.locator('input').fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput.waitFor({ state: 'hidden' });
  }

  private async quickOpen(text: string, rowLabel: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.quickInput.locator('input').fill(text);
    await this.row(rowLabel).waitFor();
    await this.page.keyboard.press('Enter');
  }

  /** A row of the open quick pick whose label contains `label`. */
  row(label: string): Locator {
    return this.quickInput.locator('.quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: label }) }).first();
  }

  /** Waits for the prompt whose title contains `title` (commands title their steps "Name (2/7)"). */
  async prompt(title: string): Promise<void> {
    await this.quickInput.locator('.quick-input-title', { hasText: title }).waitFor();
  }

  /** Waits for the quick pick whose placeholder is `placeholder` (steps without a title of their own). */
  async pickList(placeholder: string): Promise<void> {
    await this.quickInput.locator(`input[placeholder="${placeholder}"]`).waitFor();
  }

  async pick(label: string): Promise<void> {
    await this.row(label).click();
  }

  async inputValue(): Promise<string> {
    return this.quickInput.locator('input').inputValue();
  }

  /** Types into the prompt (replacing its text) and accepts it. */
  async answer(text: string): Promise<void> {
    await this.quickInput.locator('input').fill(text);
    await this.accept();
  }

  /** Accepts the prompt as it stands (its default, or the items picked). */
  async accept(): Promise<void> {
    await this.page.keyboard.press('Enter');
  }

  /**
   * Accepts the last prompt of a command and waits for it to close: the command goes on
   * only after its last answer was validated, and a key pressed before would cancel it.
   */
  async acceptLast(text?: string): Promise<void> {
    if (text !== undefined) await this.quickInput.locator('input').fill(text);
    await this.accept();
    await this.quickInput.waitFor({ state: 'hidden' });
  }

  // --- views -----------------------------------------------------------------------------

  /** Shows an activity-bar container by its title. */
  async showContainer(title: string): Promise<void> {
    await this.page.locator(`.activitybar .action-item a[aria-label^="${title}"]`).click();
  }

  /** A row of the side bar's tree whose label contains `label`. */
  treeRow(label: string): Locator {
    return this.page.locator('.sidebar .pane-body .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: label }) }).first();
  }

  /** Expands a tree row with its twistie (a click on the label would run the item's command). */
  async expand(label: string): Promise<void> {
    const row = this.treeRow(label);
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
    await this.page.locator(`.sidebar .pane-body .monaco-list-row[aria-expanded="true"]`, { has: this.page.locator('.label-name', { hasText: label }) }).first().waitFor();
  }

  /** Dismisses every notification (a job's summary message, and with it the job's progress). */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page.locator('.notifications-toasts .notification-list-item').first().waitFor({ state: 'hidden' });
  }

  /** Closes every editor, so that the next one opened has the whole editor area. */
  async closeAllEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
    await this.page.locator('.tabs-container .tab').first().waitFor({ state: 'hidden' });
  }

  /** Drags the side bar's edge, so that tree descriptions show in full. */
  async widenSideBar(by: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (box === null) throw new Error('the side bar is not showing');
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + box.width + by, y, { steps: 5 });
    await this.page.mouse.up();
    // Away from the edge, which stays highlighted while the mouse is over it.
    await this.page.mouse.move(box.x + box.width + by + 300, y);
  }

  // --- editor, notifications, webviews --------------------------------------------------

  /** Hovers the mouse over a token of the active editor and returns the hover's text once it holds `expect`. */
  async hoverToken(token: string, expect: string): Promise<string> {
    const exact = new RegExp(`^${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const span = this.page.locator('.part.editor .monaco-editor .view-line span', { hasText: exact }).first();
    await span.hover();
    const hover = this.page.locator('.monaco-hover').filter({ hasText: expect });
    await hover.waitFor();
    return hover.innerText();
  }

  /** Opens the notification center (where every message stays until dismissed) and waits for one matching `text`. */
  async notification(text: RegExp): Promise<Locator> {
    const center = this.page.locator('.notifications-center');
    if (!(await center.isVisible())) await this.statusItem('status.notifications').click();
    const item = center.locator('.notification-list-item').filter({ hasText: text }).first();
    await item.waitFor();
    return item;
  }

  /** The contents of the webview panel in the active editor group. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }
}
