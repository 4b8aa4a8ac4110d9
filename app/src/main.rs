//! Entry point of the self-test bundle (`index.html`): what a kiosk or a person's
//! phone loads. It starts the app with the self-test areas only, so no staff screen
//! reaches its wasm.

fn main() {
    repere_app::start(repere_app::SELF_TEST);
}
