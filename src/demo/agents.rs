//! Who lives in the demo world: ten agents of a platform team, each with its own model,
//! decoding settings, policy and approvers, and the humans who approve, intervene and
//! run incidents. Pure data; the stories that use it live in `moves` and `incidents`.

/// One agent of the demo world, as the console's Agents view and the docs show it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAgent {
    pub id: &'static str,
    pub name: &'static str,
    pub version: &'static str,
    pub model_provider: &'static str,
    pub model_name: &'static str,
    pub model_version: &'static str,
    /// What the agent is for, in a sentence.
    pub purpose: &'static str,
    /// The team that owns it and answers for it.
    pub team: &'static str,
}

/// The agents, as an enum so stories name them without string lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bot {
    Autoscaler,
    Remediator,
    CostOptimizer,
    Deployer,
    AccessReviewer,
    DataSync,
    RefundAssistant,
    SecScanner,
    DbMaintainer,
    Triage,
}

/// How a bot runs: decoding settings, prompt and policy versions, how busy it is.
pub(crate) struct Tuning {
    pub temperature: f64,
    pub top_p: f64,
    pub max_tokens: u32,
    pub prompt_version: u32,
    pub policy_id: &'static str,
    pub policy_version: &'static str,
    pub job_prefix: &'static str,
    pub build: &'static str,
    /// Relative share of ordinary traffic.
    pub weight: u32,
    /// Who approves its T2/T3 work.
    pub approvers: &'static [Human],
}

impl Bot {
    pub(crate) const ALL: [Bot; 10] = [
        Bot::Autoscaler,
        Bot::Remediator,
        Bot::CostOptimizer,
        Bot::Deployer,
        Bot::AccessReviewer,
        Bot::DataSync,
        Bot::RefundAssistant,
        Bot::SecScanner,
        Bot::DbMaintainer,
        Bot::Triage,
    ];

    pub(crate) fn agent(self) -> &'static DemoAgent {
        &AGENTS[self as usize]
    }

    pub(crate) fn id(self) -> &'static str {
        self.agent().id
    }

    pub(crate) fn tuning(self) -> &'static Tuning {
        &TUNING[self as usize]
    }
}

/// A person in the demo world: an id as the identity provider spells it, and a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Human {
    pub id: &'static str,
    pub role: &'static str,
}

pub(crate) const MARIA: Human = Human {
    id: "maria.okafor",
    role: "sre-oncall",
};
pub(crate) const CHEN: Human = Human {
    id: "chen.wei",
    role: "sre-oncall",
};
pub(crate) const DEV: Human = Human {
    id: "dev.patel",
    role: "platform-lead",
};
pub(crate) const LENA: Human = Human {
    id: "lena.hoffmann",
    role: "security-engineer",
};
pub(crate) const TOM: Human = Human {
    id: "tom.reyes",
    role: "finance-ops",
};
pub(crate) const AIKO: Human = Human {
    id: "aiko.tanaka",
    role: "data-governance",
};
pub(crate) const SAM: Human = Human {
    id: "sam.oduya",
    role: "support-lead",
};
pub(crate) const PRIYA: Human = Human {
    id: "priya.raman",
    role: "incident-commander",
};
pub(crate) const JONAS: Human = Human {
    id: "jonas.berg",
    role: "dba",
};
pub(crate) const ROSA: Human = Human {
    id: "rosa.alvarez",
    role: "game-day-facilitator",
};

pub(crate) static AGENTS: [DemoAgent; 10] = [
    DemoAgent {
        id: "autoscaler",
        name: "Capacity Autoscaler",
        version: "3.4.1",
        model_provider: "anthropic",
        model_name: "claude-sonnet-4-5",
        model_version: "20250929",
        purpose: "Scales Kubernetes deployments and HPAs on latency and saturation signals.",
        team: "platform",
    },
    DemoAgent {
        id: "remediator",
        name: "Incident Remediator",
        version: "2.11.0",
        model_provider: "openai",
        model_name: "gpt-4.1",
        model_version: "2025-04-14",
        purpose: "Restarts, evicts and cordons workloads to clear PagerDuty alerts.",
        team: "sre",
    },
    DemoAgent {
        id: "cost-optimizer",
        name: "Cost Optimizer",
        version: "1.8.3",
        model_provider: "google",
        model_name: "gemini-2.5-pro",
        model_version: "2025-06-17",
        purpose:
            "Rightsizes EC2 and Snowflake warehouses and removes idle resources via Terraform.",
        team: "finops",
    },
    DemoAgent {
        id: "deploy-bot",
        name: "Deploy Bot",
        version: "5.2.0",
        model_provider: "anthropic",
        model_name: "claude-haiku-4-5",
        model_version: "20251001",
        purpose: "Merges green PRs, runs canaries, promotes or rolls back releases, flips flags.",
        team: "developer-productivity",
    },
    DemoAgent {
        id: "access-reviewer",
        name: "Access Reviewer",
        version: "0.9.7",
        model_provider: "openai",
        model_name: "o4-mini",
        model_version: "2025-04-16",
        purpose: "Continuous access review of AWS IAM, Okta groups and GitHub org roles.",
        team: "security",
    },
    DemoAgent {
        id: "data-sync",
        name: "Data Sync",
        version: "4.0.2",
        model_provider: "self-hosted",
        model_name: "llama-3.3-70b-instruct",
        model_version: "vllm-0.8.5-fp8",
        purpose: "Syncs Postgres into Snowflake and runs partner exports to S3.",
        team: "data-platform",
    },
    DemoAgent {
        id: "refund-assistant",
        name: "Refund Assistant",
        version: "2.3.5",
        model_provider: "openai",
        model_name: "gpt-4o-mini",
        model_version: "2024-07-18",
        purpose: "Issues Stripe refunds and account credits on support tickets.",
        team: "support-engineering",
    },
    DemoAgent {
        id: "sec-scanner",
        name: "Security Scanner",
        version: "3.0.0",
        model_provider: "mistral",
        model_name: "mistral-large",
        model_version: "2411",
        purpose: "Finds secrets and misconfigurations; rotates, blocks and quarantines.",
        team: "security",
    },
    DemoAgent {
        id: "db-maintainer",
        name: "DB Maintainer",
        version: "1.4.0",
        model_provider: "aws-bedrock",
        model_name: "amazon.nova-pro",
        model_version: "v1:0",
        purpose: "Vacuums, reindexes and tunes the Postgres fleet.",
        team: "data-platform",
    },
    DemoAgent {
        id: "triage-bot",
        name: "Triage Bot",
        version: "1.1.2",
        model_provider: "anthropic",
        model_name: "claude-sonnet-4-5",
        model_version: "20250929",
        purpose: "Acknowledges, annotates and routes PagerDuty incidents; drafts status updates.",
        team: "sre",
    },
];

/// In the order of `AGENTS` (and of `Bot`).
static TUNING: [Tuning; 10] = [
    // autoscaler
    Tuning {
        temperature: 0.2,
        top_p: 0.9,
        max_tokens: 2048,
        prompt_version: 12,
        policy_id: "pol-capacity",
        policy_version: "v14",
        job_prefix: "hpa-watch",
        build: "7f3c2a1",
        weight: 15,
        approvers: &[MARIA, CHEN, DEV],
    },
    // remediator
    Tuning {
        temperature: 0.1,
        top_p: 1.0,
        max_tokens: 4096,
        prompt_version: 7,
        policy_id: "pol-remediation",
        policy_version: "v9",
        job_prefix: "pd-remediate",
        build: "b81e0c4",
        weight: 10,
        approvers: &[MARIA, CHEN],
    },
    // cost-optimizer
    Tuning {
        temperature: 0.3,
        top_p: 0.95,
        max_tokens: 8192,
        prompt_version: 4,
        policy_id: "pol-finops",
        policy_version: "v5",
        job_prefix: "finops-sweep",
        build: "2d9a6f0",
        weight: 6,
        approvers: &[TOM, DEV],
    },
    // deploy-bot
    Tuning {
        temperature: 0.0,
        top_p: 1.0,
        max_tokens: 2048,
        prompt_version: 21,
        policy_id: "pol-delivery",
        policy_version: "v31",
        job_prefix: "gha-run",
        build: "e4c19b7",
        weight: 14,
        approvers: &[DEV, MARIA],
    },
    // access-reviewer
    Tuning {
        temperature: 0.0,
        top_p: 1.0,
        max_tokens: 4096,
        prompt_version: 3,
        policy_id: "pol-access",
        policy_version: "v6",
        job_prefix: "access-review",
        build: "91f0d3e",
        weight: 7,
        approvers: &[LENA, DEV],
    },
    // data-sync
    Tuning {
        temperature: 0.4,
        top_p: 0.9,
        max_tokens: 4096,
        prompt_version: 9,
        policy_id: "pol-data-egress",
        policy_version: "v7",
        job_prefix: "dsync",
        build: "c07be55",
        weight: 9,
        approvers: &[AIKO, JONAS],
    },
    // refund-assistant
    Tuning {
        temperature: 0.2,
        top_p: 0.8,
        max_tokens: 1024,
        prompt_version: 15,
        policy_id: "pol-refunds",
        policy_version: "v11",
        job_prefix: "zd-refund",
        build: "44a8d21",
        weight: 14,
        approvers: &[SAM, TOM],
    },
    // sec-scanner
    Tuning {
        temperature: 0.1,
        top_p: 0.9,
        max_tokens: 4096,
        prompt_version: 6,
        policy_id: "pol-security",
        policy_version: "v12",
        job_prefix: "secscan",
        build: "5be2f78",
        weight: 9,
        approvers: &[LENA],
    },
    // db-maintainer
    Tuning {
        temperature: 0.2,
        top_p: 0.9,
        max_tokens: 2048,
        prompt_version: 5,
        policy_id: "pol-database",
        policy_version: "v4",
        job_prefix: "pgmaint",
        build: "0a7d913",
        weight: 6,
        approvers: &[JONAS, DEV],
    },
    // triage-bot
    Tuning {
        temperature: 0.5,
        top_p: 0.95,
        max_tokens: 2048,
        prompt_version: 8,
        policy_id: "pol-incident-comms",
        policy_version: "v3",
        job_prefix: "pd-triage",
        build: "f6e2b40",
        weight: 10,
        approvers: &[PRIYA, MARIA],
    },
];
