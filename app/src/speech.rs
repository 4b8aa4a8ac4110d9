//! Reading aloud in French, a little slower than usual, with one of two voices:
//!
//! - the device's: the browser's speech synthesis with a French voice. Voices load
//!   asynchronously, so the list is checked at start and again on every
//!   `voiceschanged` event. Voices are looked at through plain property reads
//!   (not `instanceof` casts) so that tests can stub them;
//! - the recorded one, when the device has no French voice (common on a Linux
//!   kiosk): clips made at build time with espeak-ng (`cargo xtask build`), one per
//!   phrase of what the app can say (`repere_items::spoken`, [`crate::spoken`]),
//!   served from `/voice/<key>.mp3` and listed in `/precache.txt`. A text is cut
//!   into its phrases, whose clips play one after the other in an audio element;
//!   a phrase without a clip is skipped, with a warning in the console. The
//!   self-test bundle plays it ([`Speech::use_recorded_voice`]); the staff
//!   bundle, whose screens are not recorded, only tells whether it exists
//!   ([`Speech::kiosk_voice`], on `/borne`).
//!
//! « Écouter » and « Lire chaque écran à voix haute » show when one of the two
//! can speak here.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use leptos::task::spawn_local;
use repere_items::spoken::{clip_key, phrases};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlAudioElement, SpeechSynthesis, SpeechSynthesisUtterance};

/// Speaking rate: a little slower than the default 1.0 (the recorded voice is
/// made at the same pace: 150 words a minute instead of espeak-ng's 175).
pub const RATE: f32 = 0.85;
/// The language asked of the synthesiser.
pub const LANG: &str = "fr-FR";
/// The list of the files the service worker keeps offline, the recorded clips
/// among them (written by `cargo xtask build`).
pub const PRECACHE_LIST: &str = "/precache.txt";
/// Where the recorded clips are: `/voice/<clip key>.mp3`.
const CLIP_DIR: &str = "/voice/";

/// Which voice reads aloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Voice {
    /// The device's French speech voice.
    Device,
    /// The clips recorded at build time.
    Recorded,
    /// Neither (yet): no French voice, and the list of clips is not known.
    Neither,
}

/// Whether reading aloud is possible and whether it is speaking now.
#[derive(Clone, Copy)]
pub struct Speech {
    /// One of the two voices can speak here.
    pub available: RwSignal<bool>,
    /// Something is being read (the button then offers to stop).
    pub speaking: RwSignal<bool>,
    /// The device has a French voice.
    device: RwSignal<bool>,
    /// The recorded clips are known (their list was read).
    recorded: RwSignal<bool>,
    /// This bundle plays the recorded clips.
    recorded_here: RwSignal<bool>,
}

/// The recorded voice's player: one audio element, the clips still to play.
struct Player {
    audio: HtmlAudioElement,
    /// The clips still to play, the next one last.
    queue: Vec<String>,
    /// Handles a refused `play()` (the promise's rejection).
    on_refused: Closure<dyn FnMut(JsValue)>,
}

thread_local! {
    /// The precache list: a line `/voice/<key>.mp3` for each recorded clip (kept
    /// as it came: looking a few phrases up in its text costs less code than an
    /// index).
    static CLIPS: RefCell<String> = const { RefCell::new(String::new()) };
    static LOADING: Cell<bool> = const { Cell::new(false) };
    static PLAYER: RefCell<Option<Player>> = const { RefCell::new(None) };
}

fn synth() -> Option<SpeechSynthesis> {
    let window = window();
    let value = js_sys::Reflect::get(&window, &JsValue::from_str("speechSynthesis")).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    Some(value.unchecked_into())
}

/// The first French voice, preferring `fr-FR` over other French variants.
fn french_voice(synth: &SpeechSynthesis) -> Option<JsValue> {
    let voices: Vec<JsValue> = synth.get_voices().iter().collect();
    let lang = |v: &JsValue| {
        js_sys::Reflect::get(v, &JsValue::from_str("lang"))
            .ok()
            .and_then(|l| l.as_string())
            .unwrap_or_default()
            .replace('_', "-")
            .to_ascii_lowercase()
    };
    voices
        .iter()
        .find(|v| lang(v) == "fr-fr")
        .or_else(|| voices.iter().find(|v| lang(v).starts_with("fr")))
        .cloned()
}

/// The text of `url`, if it answers 2xx.
async fn fetch_text(url: &str) -> Option<String> {
    let response = JsFuture::from(window().fetch_with_str(url)).await.ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

impl Speech {
    /// Checks the device's voices now and whenever they change.
    pub fn init() -> Speech {
        let speech = Speech {
            available: RwSignal::new(false),
            speaking: RwSignal::new(false),
            device: RwSignal::new(false),
            recorded: RwSignal::new(false),
            recorded_here: RwSignal::new(false),
        };
        let Some(s) = synth() else {
            return speech;
        };
        speech.set_device(french_voice(&s).is_some());
        let on_change = Closure::<dyn Fn()>::new(move || {
            if let Some(s) = synth() {
                speech.set_device(french_voice(&s).is_some());
            }
        });
        let _ =
            s.add_event_listener_with_callback("voiceschanged", on_change.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        on_change.forget();
        speech
    }

    /// Keeps `available` up to date (a plain signal: a memo here costs the
    /// self-test bundle more than these few lines).
    fn update_available(&self) {
        let now = self.device.get_untracked()
            || (self.recorded_here.get_untracked() && self.recorded.get_untracked());
        if self.available.get_untracked() != now {
            self.available.set(now);
        }
    }

    fn set_device(&self, french: bool) {
        self.device.set(french);
        self.update_available();
    }

    /// Reads the list of recorded clips (once per page).
    pub fn load_recorded(&self) {
        if LOADING.with(|l| l.replace(true)) {
            return;
        }
        let speech = *self;
        spawn_local(async move {
            let list = fetch_text(PRECACHE_LIST).await.unwrap_or_default();
            let any = list.contains(CLIP_DIR);
            CLIPS.with(|c| *c.borrow_mut() = list);
            speech.recorded.set(any);
            speech.update_available();
        });
    }

    /// This bundle reads aloud with the recorded clips when the device has no
    /// French voice (the self-test: every text it says is recorded).
    pub fn use_recorded_voice(&self) {
        self.recorded_here.set(true);
        self.update_available();
        self.load_recorded();
    }

    /// The voice a kiosk's test will read with (tracked): the device's if it has a
    /// French voice, else the recorded one once its list is read.
    pub fn kiosk_voice(&self) -> Voice {
        if self.device.get() {
            Voice::Device
        } else if self.recorded.get() {
            Voice::Recorded
        } else {
            Voice::Neither
        }
    }

    /// Reads `text` aloud (stopping anything being read first).
    pub fn speak(&self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        if self.device.get_untracked() {
            self.speak_with_device(text);
        } else if self.recorded_here.get_untracked() && self.recorded.get_untracked() {
            self.play_recorded(text);
        }
    }

    fn speak_with_device(&self, text: &str) {
        let Some(s) = synth() else {
            return;
        };
        self.stop();
        let Ok(utterance) = SpeechSynthesisUtterance::new_with_text(text) else {
            return;
        };
        utterance.set_lang(LANG);
        utterance.set_rate(RATE);
        if let Some(voice) = french_voice(&s) {
            // A property write, so that a stubbed voice cannot throw.
            let _ = js_sys::Reflect::set(&utterance, &JsValue::from_str("voice"), &voice);
        }
        let speaking = self.speaking;
        let done = Closure::<dyn Fn()>::new(move || speaking.set(false));
        utterance.set_onend(Some(done.as_ref().unchecked_ref()));
        utterance.set_onerror(Some(done.as_ref().unchecked_ref()));
        // One small closure per utterance, kept for the page's life: utterances
        // are few (one per tap on « Écouter » or new screen).
        done.forget();
        speaking.set(true);
        s.speak(&utterance);
    }

    /// Plays the clips of `text`'s phrases in turn; a phrase without a clip is
    /// skipped.
    fn play_recorded(&self, text: &str) {
        self.stop();
        let mut urls: Vec<String> = phrases(text)
            .into_iter()
            .filter_map(|phrase| {
                let clip = format!("{CLIP_DIR}{}.mp3", clip_key(&phrase));
                if CLIPS.with(|c| c.borrow().contains(&format!("{clip}\n"))) {
                    Some(clip)
                } else {
                    leptos::logging::warn!("read aloud: no recorded clip for « {phrase} »");
                    None
                }
            })
            .collect();
        if urls.is_empty() {
            return;
        }
        urls.reverse();
        let speaking = self.speaking;
        let ready = PLAYER.with(|p| {
            let mut p = p.borrow_mut();
            if p.is_none() {
                *p = Player::new(speaking);
            }
            match p.as_mut() {
                Some(player) => {
                    player.queue = urls;
                    true
                }
                None => false,
            }
        });
        if ready {
            speaking.set(true);
            play_next(speaking);
        }
    }

    /// Stops reading.
    pub fn stop(&self) {
        if let Some(s) = synth() {
            s.cancel();
        }
        PLAYER.with(|p| {
            if let Some(player) = p.borrow_mut().as_mut() {
                player.queue.clear();
                let _ = player.audio.pause();
            }
        });
        self.speaking.set(false);
    }
}

impl Player {
    /// The audio element and its handlers (`None` if the browser has no audio).
    fn new(speaking: RwSignal<bool>) -> Option<Player> {
        let audio = HtmlAudioElement::new().ok()?;
        audio.set_preload("auto");
        let on_ended = Closure::<dyn Fn()>::new(move || play_next(speaking));
        audio.set_onended(Some(on_ended.as_ref().unchecked_ref()));
        on_ended.forget();
        let on_error = Closure::<dyn Fn()>::new(move || {
            leptos::logging::warn!("read aloud: a recorded clip could not be played");
            play_next(speaking);
        });
        audio.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        // `play()` refused: without a touch on the page first, the browser does not
        // let it make a sound. Anything else (a clip replaced before it started) is
        // left to the element's own events.
        let on_refused = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
            let name = js_sys::Reflect::get(&error, &JsValue::from_str("name"))
                .ok()
                .and_then(|n| n.as_string());
            if name.as_deref() == Some("NotAllowedError") {
                PLAYER.with(|p| {
                    if let Some(player) = p.borrow_mut().as_mut() {
                        player.queue.clear();
                    }
                });
                speaking.set(false);
            }
        });
        Some(Player {
            audio,
            queue: Vec::new(),
            on_refused,
        })
    }
}

/// Plays the next clip of the queue, or ends the reading.
fn play_next(speaking: RwSignal<bool>) {
    let next = PLAYER.with(|p| {
        p.borrow_mut()
            .as_mut()
            .and_then(|player| player.queue.pop().map(|url| (player.audio.clone(), url)))
    });
    let Some((audio, url)) = next else {
        speaking.set(false);
        return;
    };
    audio.set_src(&url);
    match audio.play() {
        Ok(promise) => PLAYER.with(|p| {
            if let Some(player) = p.borrow().as_ref() {
                let _ = promise.catch(&player.on_refused);
            }
        }),
        Err(_) => speaking.set(false),
    }
}
