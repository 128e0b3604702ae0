/** The floor for the widget's bundle size: the smallest useful Lit element (a shadow root, a reactive property, a template). */
import { LitElement, css, html } from 'lit';

export class HelloElement extends LitElement {
  static override properties = { name: { type: String } };
  static override styles = css`:host { display: block; }`;
  name = 'world';
  override render() {
    return html`<p>Hello, ${this.name}!</p>`;
  }
}
customElements.define('hello-element', HelloElement);
