//! Reading aloud with the browser's speech synthesis, in French, a little slower
//! than usual.
//!
//! The « Écouter » button only shows when the browser has speech synthesis *and* a
//! French voice. Voices load asynchronously, so the list is checked at start and
//! again on every `voiceschanged` event. Voices are looked at through plain
//! property reads (not `instanceof` casts) so that tests can stub them.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{SpeechSynthesis, SpeechSynthesisUtterance};

/// Speaking rate: a little slower than the default 1.0.
pub const RATE: f32 = 0.85;
/// The language asked of the synthesiser.
pub const LANG: &str = "fr-FR";

/// Whether reading aloud is possible and whether it is speaking now.
#[derive(Clone, Copy)]
pub struct Speech {
    /// Speech synthesis exists and has a French voice.
    pub available: RwSignal<bool>,
    /// An utterance is being spoken (the button then offers to stop).
    pub speaking: RwSignal<bool>,
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

impl Speech {
    /// Checks the voices now and whenever they change.
    pub fn init() -> Speech {
        let speech = Speech {
            available: RwSignal::new(false),
            speaking: RwSignal::new(false),
        };
        let Some(s) = synth() else {
            return speech;
        };
        speech.available.set(french_voice(&s).is_some());
        let available = speech.available;
        let on_change = Closure::<dyn Fn()>::new(move || {
            if let Some(s) = synth() {
                available.set(french_voice(&s).is_some());
            }
        });
        let _ =
            s.add_event_listener_with_callback("voiceschanged", on_change.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        on_change.forget();
        speech
    }

    /// Speaks `text` (stopping anything being spoken first).
    pub fn speak(&self, text: &str) {
        let Some(s) = synth() else {
            return;
        };
        if !self.available.get_untracked() || text.trim().is_empty() {
            return;
        }
        s.cancel();
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
        // are few (one per tap on « Écouter »).
        done.forget();
        speaking.set(true);
        s.speak(&utterance);
    }

    /// Stops speaking.
    pub fn stop(&self) {
        if let Some(s) = synth() {
            s.cancel();
        }
        self.speaking.set(false);
    }
}
