const BASE_TITLE = 'MedChat Console';
const SOUND_KEY = 'medchat.console.sound';

/**
 * Tells the employee something needs them: a count in the page title ("(1) MedChat Console") and, when
 * switched on, a short beep made with WebAudio (no audio file to serve).
 */
export class Notifier {
  private audio: AudioContext | undefined;
  private alert: HTMLElement | undefined;

  get isSoundOn(): boolean {
    return localStorage.getItem(SOUND_KEY) === 'on';
  }

  /** Call from a click or keypress: browsers only allow audio that a user gesture unlocked. */
  setSound(isOn: boolean): void {
    localStorage.setItem(SOUND_KEY, isOn ? 'on' : 'off');
    if (isOn) this.audio ??= new AudioContext();
  }

  /** The number of chats that need attention; 0 clears the badge. */
  setCount(count: number): void {
    document.title = count > 0 ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
  }

  /**
   * An urgent patient waits: said to screen readers at once (an assertive live region) and, with sound on, two
   * beeps instead of one.
   */
  urgent(): void {
    this.alert ??= document.body.appendChild(Object.assign(document.createElement('p'), { className: 'visually-hidden' }));
    this.alert.setAttribute('role', 'alert');
    this.alert.textContent = '';
    this.alert.textContent = 'An urgent patient is waiting.';
    this.beep();
    setTimeout(() => this.beep(), 300);
  }

  beep(): void {
    if (!this.isSoundOn) return;
    const audio = (this.audio ??= new AudioContext());
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = 880;
    volume.gain.setValueAtTime(0.15, audio.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  }

  dispose(): void {
    this.setCount(0);
    this.alert?.remove();
    void this.audio?.close();
  }
}
