//! `hotspot`: tap the right place on a picture of a screen.
//!
//! The picture sits inside one large button. A tap or click answers with the point
//! under the finger, in the picture's view-box coordinates. Keyboard path: when the
//! button has focus, the arrow keys move a visible marker (Shift: bigger steps)
//! and Enter or Space puts the answer there. (Hotspot items require sight: the
//! session never shows them to someone who cannot see the screen.)

use leptos::prelude::*;
use repere_items::{BankItem, Response, Screen};
use wasm_bindgen::JsCast;

use super::{picture_src, Draft};
use crate::bank::dom_id;
use crate::state::AppState;

/// Keyboard step of the marker, as a fraction of the picture (Shift: ×4).
const STEP: f64 = 0.025;

/// The picture to tap.
#[component]
pub fn Hotspot(item: &'static BankItem, screen: &'static Screen, draft: Draft) -> impl IntoView {
    let state = expect_context::<AppState>();
    let [vx, vy, vw, vh] = screen.view_box;
    let chosen = RwSignal::new(None::<(f64, f64)>);
    let cursor = RwSignal::new((0.5, 0.5));
    let keyboard = RwSignal::new(false);
    let button = NodeRef::<leptos::html::Button>::new();
    let help_id = dom_id(item, "hotspot-help");

    let choose = move |fx: f64, fy: f64| {
        let (fx, fy) = (fx.clamp(0.0, 1.0), fy.clamp(0.0, 1.0));
        chosen.set(Some((fx, fy)));
        draft.set(Some(Response::Point {
            x: vx + fx * vw,
            y: vy + fy * vh,
        }));
        state.announce("Endroit choisi.");
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        // A click from the keyboard (Enter, Space) has no position: use the marker.
        if ev.detail() == 0 {
            let (fx, fy) = cursor.get_untracked();
            choose(fx, fy);
            return;
        }
        let Some(el) = button.get_untracked() else {
            return;
        };
        let rect = el
            .unchecked_ref::<web_sys::Element>()
            .get_bounding_client_rect();
        if rect.width() <= 0.0 || rect.height() <= 0.0 {
            return;
        }
        let fx = (f64::from(ev.client_x()) - rect.left()) / rect.width();
        let fy = (f64::from(ev.client_y()) - rect.top()) / rect.height();
        keyboard.set(false);
        cursor.set((fx.clamp(0.0, 1.0), fy.clamp(0.0, 1.0)));
        choose(fx, fy);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let step = if ev.shift_key() { STEP * 4.0 } else { STEP };
        let (dx, dy) = match ev.key().as_str() {
            "ArrowLeft" => (-step, 0.0),
            "ArrowRight" => (step, 0.0),
            "ArrowUp" => (0.0, -step),
            "ArrowDown" => (0.0, step),
            _ => return,
        };
        ev.prevent_default();
        keyboard.set(true);
        cursor.update(|(x, y)| {
            *x = (*x + dx).clamp(0.0, 1.0);
            *y = (*y + dy).clamp(0.0, 1.0);
        });
    };
    let at = |(fx, fy): (f64, f64)| format!("left: {:.2}%; top: {:.2}%", fx * 100.0, fy * 100.0);

    view! {
        <div class="hotspot">
            <p class="instruction">"Touchez l'endroit choisi sur l'image."</p>
            <button
                type="button"
                class="hotspot-button"
                node_ref=button
                // As tall as the screen allows while the question above and the
                // buttons below stay in view (about 35rem of them, which grows
                // with the text size), but never shorter than 22rem, and never
                // narrower than 22.5rem (360 px, plus its borders) when the screen
                // has room: the text inside the picture is then 18 px or more. The
                // shape is the picture's even if the picture does not load: the
                // place to tap is still there, at the same coordinates.
                style=format!(
                    "width: min(100%, max(calc(22.5rem + 6px), calc(max(22rem, 100dvh - 35rem) * {vw} / {vh}))); aspect-ratio: {vw} / {vh}"
                )
                aria-describedby=help_id.clone()
                on:click=on_click
                on:keydown=on_key
            >
                <img src=picture_src(&screen.file) alt=screen.alt.clone() draggable="false" />
                <span
                    class="hotspot-cursor"
                    aria-hidden="true"
                    hidden=move || !keyboard.get()
                    style=move || at(cursor.get())
                ></span>
                <span
                    class="hotspot-marker"
                    aria-hidden="true"
                    hidden=move || chosen.get().is_none()
                    style=move || chosen.get().map(at).unwrap_or_default()
                ></span>
            </button>
            <p class="help" id=help_id>
                {move || {
                    if chosen.get().is_some() {
                        view! { "Un rond montre l'endroit choisi. Vous pouvez en choisir un autre." }
                            .into_any()
                    } else {
                        // Not on a touch screen (the style hides it there).
                        view! {
                            <span class="keyboard-hint">
                                "Au clavier : les flèches déplacent le repère, Entrée le pose."
                            </span>
                        }
                            .into_any()
                    }
                }}
            </p>
        </div>
    }
}
