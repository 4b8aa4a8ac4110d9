//! Entry point of the Repère web app (client-side rendered with Leptos).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(repere_app::App);
}
