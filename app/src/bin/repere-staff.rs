//! Entry point of the staff bundle (`staff.html`): login, the agent's screening, the
//! mediator's profiles, the admin's accounts and kiosks.

fn main() {
    repere_app::start(repere_app::STAFF);
}
