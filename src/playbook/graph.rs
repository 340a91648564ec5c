//! The prerequisite graph of a playbook's steps, by index: dependency cycles (named, so
//! the author can see which `needs` to cut) and prerequisites listed after the step that
//! needs them. Pure arithmetic on indices; `load` turns the answers into errors.

/// A dependency cycle: `steps[0]` needs `steps[1]` … needs `steps[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cycle {
    pub steps: Vec<usize>,
    /// The step whose `needs` entry closes the cycle, and that entry's index.
    pub closing_step: usize,
    pub closing_need: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unseen,
    OnPath,
    Finished,
}

/// Every cycle a depth-first walk finds, once each. `needs[i]` lists `(target, entry)`:
/// step `i` needs step `target`, written as its `entry`-th `needs` value.
pub(super) fn find_cycles(needs: &[Vec<(usize, usize)>]) -> Vec<Cycle> {
    let mut marks = vec![Mark::Unseen; needs.len()];
    let mut path = Vec::new();
    let mut cycles = Vec::new();
    for start in 0..needs.len() {
        if marks[start] == Mark::Unseen {
            walk(start, needs, &mut marks, &mut path, &mut cycles);
        }
    }
    cycles
}

fn walk(
    step: usize,
    needs: &[Vec<(usize, usize)>],
    marks: &mut [Mark],
    path: &mut Vec<usize>,
    cycles: &mut Vec<Cycle>,
) {
    marks[step] = Mark::OnPath;
    path.push(step);
    for &(target, entry) in &needs[step] {
        match marks[target] {
            Mark::Unseen => walk(target, needs, marks, path, cycles),
            Mark::OnPath => {
                let from = path.iter().position(|&s| s == target).unwrap_or(0);
                cycles.push(Cycle {
                    steps: path[from..].to_vec(),
                    closing_step: step,
                    closing_need: entry,
                });
            }
            Mark::Finished => {}
        }
    }
    path.pop();
    marks[step] = Mark::Finished;
}

/// `(step, entry, target)` for each prerequisite that comes after the step needing it.
pub(super) fn forward_needs(needs: &[Vec<(usize, usize)>]) -> Vec<(usize, usize, usize)> {
    needs
        .iter()
        .enumerate()
        .flat_map(|(step, edges)| {
            edges
                .iter()
                .filter(move |(target, _)| *target > step)
                .map(move |&(target, entry)| (step, entry, target))
        })
        .collect()
}
