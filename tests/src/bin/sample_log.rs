//! `repere-sample-log`: prints one finished answer log (the JSON the app sends to
//! `POST /api/results`), made by the real adaptive test (`LiveTest`) so that the
//! server's replay accepts it. The browser tests use it to submit results without
//! taking a whole test through the screens.
//!
//! Usage: `repere-sample-log ID [--right-share F] [--skip]`: each proposed item is
//! answered right for the first share of them (`F` in [0, 1], default 0.5), otherwise
//! with « Je ne sais pas »; `--skip` answers every item with « Je ne sais pas ».

use std::process::ExitCode;

use repere_items::Response;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(id) = args.first().cloned() else {
        eprintln!("usage: repere-sample-log ID [--right-share F] [--skip]");
        return ExitCode::from(2);
    };
    let mut share = 0.5f64;
    let mut skip = false;
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--skip" => skip = true,
            "--right-share" => match it.next().and_then(|v| v.parse::<f64>().ok()) {
                Some(v) if (0.0..=1.0).contains(&v) => share = v,
                _ => {
                    eprintln!("--right-share needs a number between 0 and 1");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("unknown argument `{other}`");
                return ExitCode::from(2);
            }
        }
    }
    // Right answers first, then skips: the share is of a test of about 20 items.
    let rights = (share * 20.0).round() as usize;
    let log = repere_e2e::answer_log(&id, |k, item| {
        if skip || k >= rights {
            Response::Skip
        } else {
            repere_e2e::right_response(item)
        }
    });
    println!("{log}");
    ExitCode::SUCCESS
}
