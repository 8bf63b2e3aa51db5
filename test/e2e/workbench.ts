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
    // The palette switches to its go-to-line mode after the text changes; an Enter before
    // that row shows does nothing, and the palette stays open.
    await this.quickInput.locator('.monaco-list-row', { hasText: String(line) }).first().waitFor();
    for (let attempt = 0; attempt < 3 && (await this.quickInput.isVisible()); attempt++) {
      await this.page.keyboard.press('Enter');
      await this.quickInput.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    }
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

  /** The message under the prompt's box (its validation error or note), once it holds `text`. */
  async promptMessage(text: string | RegExp): Promise<string> {
    const message = this.quickInput.locator('.quick-input-message', { hasText: text });
    await message.waitFor();
    return message.innerText();
  }

  /** Types into the prompt without accepting it. */
  async type(text: string): Promise<void> {
    await this.quickInput.locator('input').fill(text);
  }

  /** Toggles every item of a multi-select quick pick (the check box above the list). */
  async toggleAll(): Promise<void> {
    await this.quickInput.locator('.quick-input-header').getByRole('checkbox', { name: 'Toggle all checkboxes' }).click();
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
    // A click on the container already shown would hide the side bar instead.
    const shown = this.page.locator(`.activitybar .action-item.checked a[aria-label^="${title}"]`);
    if ((await shown.count()) > 0 && (await this.page.locator('.sidebar').isVisible())) return;
    await this.page.locator(`.activitybar .action-item a[aria-label^="${title}"]`).click();
  }

  /** A row of the side bar's tree whose label contains `label`. */
  treeRow(label: string): Locator {
    return this.treeRows(label).first();
  }

  /** Every row of the side bar's tree whose label contains `label`. */
  treeRows(label: string): Locator {
    return this.page.locator('.sidebar .pane-body .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: label }) });
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

  /**
   * Starts counting the status-bar items whose text or label matches `pattern`; the function
   * returned stops and gives the most there ever were at once.
   */
  async countStatusItems(pattern: RegExp): Promise<() => Promise<number>> {
    // Page-side code as text: this project compiles without the DOM library.
    await this.page.evaluate(`(() => {
      const re = new RegExp(${JSON.stringify(pattern.source)});
      const count = () => [...document.querySelectorAll('.part.statusbar .statusbar-item')]
        .filter((e) => re.test(e.textContent || '') || re.test((e.querySelector('[aria-label]') || e).getAttribute('aria-label') || '')).length;
      const state = { most: count() };
      state.observer = new MutationObserver(() => { state.most = Math.max(state.most, count()); });
      state.observer.observe(document.querySelector('.part.statusbar'), { subtree: true, childList: true, characterData: true, attributes: true });
      window.__statusItems = state;
    })()`);
    return () => this.page.evaluate<number>('(() => { window.__statusItems.observer.disconnect(); return window.__statusItems.most; })()');
  }

  /**
   * The text the PruneLens output channel shows (opened with Show Output), once it holds
   * `text`; the editor draws spaces as no-break spaces, which come back as plain ones.
   */
  async outputText(text: string): Promise<string> {
    await this.runCommand('PruneLens: Show Output');
    const pattern = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s'));
    const view = this.page.locator('.part.panel .monaco-editor .view-lines', { hasText: pattern });
    await view.waitFor();
    const shown = (await view.innerText()).replace(/\u00a0/g, ' ');
    await this.runCommand('View: Hide Panel');
    await view.waitFor({ state: 'hidden' });
    return shown;
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

  /** Fails unless the hover shows all of its content: nothing to scroll to either way, and `text` inside its box. */
  async hoverShownWhole(text: string): Promise<void> {
    const hover = this.page.locator('.monaco-hover').filter({ hasText: text, visible: true });
    const box = await hover.boundingBox();
    const line = await hover.getByText(text).first().boundingBox();
    if (box === null || line === null) throw new Error(`the hover or its "${text}" is not showing`);
    if (line.y < box.y || line.y + line.height > box.y + box.height) throw new Error(`"${text}" is cut off the hover (${JSON.stringify(line)} in ${JSON.stringify(box)})`);
    type Sizes = { scrollHeight: number; clientHeight: number; scrollWidth: number; clientWidth: number };
    const size = await hover.locator('.monaco-scrollable-element').first().evaluate((e: Sizes) => ({ scrollHeight: e.scrollHeight, clientHeight: e.clientHeight, scrollWidth: e.scrollWidth, clientWidth: e.clientWidth }));
    if (size.scrollHeight > size.clientHeight + 1 || size.scrollWidth > size.clientWidth + 1) throw new Error(`the hover scrolls: ${JSON.stringify(size)}`);
  }

  /** Opens the notification center (where every message stays until dismissed) and waits for one matching `text`. */
  async notification(text: RegExp): Promise<Locator> {
    const center = this.page.locator('.notifications-center');
    // A click while a toast is still settling can go unheeded: try again until the center shows.
    for (let attempt = 0; attempt < 3 && !(await center.isVisible()); attempt++) {
      await this.statusItem('status.notifications').click();
      await center.waitFor({ timeout: 3000 }).catch(() => undefined);
    }
    const item = center.locator('.notification-list-item').filter({ hasText: text }).first();
    await item.waitFor();
    return item;
  }

  /** A notification as it first shows, in the corner (no click needed, so the focus stays where it was). */
  async toast(text: RegExp): Promise<Locator> {
    const item = this.page.locator('.notifications-toasts .notification-list-item').filter({ hasText: text }).first();
    await item.waitFor();
    return item;
  }

  /** Closes the notification center, if it is open. */
  async closeNotificationCenter(): Promise<void> {
    const center = this.page.locator('.notifications-center');
    if (await center.isVisible()) await this.statusItem('status.notifications').click();
    await center.waitFor({ state: 'hidden' });
  }

  /** The contents of the webview panel in the active editor group. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }
}
