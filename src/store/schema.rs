//! The diesel table definitions, written by hand to match both migration folders.

diesel::table! {
    forums (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        process -> Nullable<Text>,
        region -> Nullable<Text>,
        active -> Bool,
    }
}

diesel::table! {
    forum_parents (forum, parent) {
        forum -> Text,
        parent -> Text,
    }
}

diesel::table! {
    units (code) {
        code -> Text,
        name -> Text,
        region -> Text,
        regional_group -> Text,
        active -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        unit -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        mail_preference -> Text,
        last_digest_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        valid_after -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    memberships (user_id, forum) {
        user_id -> BigInt,
        forum -> Text,
        from_directory -> Bool,
    }
}

diesel::table! {
    user_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    questions (id) {
        id -> BigInt,
        reference -> Text,
        title -> Text,
        body -> Text,
        process -> Text,
        category -> Nullable<Text>,
        tags -> Text,
        countries -> Text,
        priority -> Text,
        urgent_reason -> Nullable<Text>,
        status -> Text,
        forum -> Text,
        level -> Text,
        unit -> Text,
        asker_id -> Nullable<BigInt>,
        assignee_id -> Nullable<BigInt>,
        claimed_by -> Nullable<BigInt>,
        duplicate_of -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stages (id) {
        id -> BigInt,
        question_id -> BigInt,
        seq -> Integer,
        forum -> Text,
        level -> Text,
        entered_at -> Timestamp,
        first_response_at -> Nullable<Timestamp>,
        left_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        working_days -> Nullable<Double>,
        process -> Text,
        priority -> Text,
        warned -> Nullable<Text>,
        sla_clock -> Nullable<Double>,
    }
}

diesel::table! {
    stage_pauses (id) {
        id -> BigInt,
        stage_id -> BigInt,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    answers (id) {
        id -> BigInt,
        question_id -> BigInt,
        stage_id -> Nullable<BigInt>,
        forum -> Text,
        level -> Text,
        author_id -> Nullable<BigInt>,
        body -> Text,
        binding_status -> Text,
        superseded_by -> Nullable<BigInt>,
        refs -> Text,
        review_date -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        review_notified -> Bool,
        lapse_notified -> Bool,
    }
}

diesel::table! {
    answer_links (answer_id, question_id) {
        answer_id -> BigInt,
        question_id -> BigInt,
    }
}

diesel::table! {
    feed_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        nonce -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    saved_searches (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        words -> Text,
        filters -> Text,
        notify -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    saved_search_hits (saved_search_id, answer_id) {
        saved_search_id -> BigInt,
        answer_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        question_id -> Nullable<BigInt>,
        answer_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        forum -> Nullable<Text>,
        note -> Nullable<Text>,
        data -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    followers (question_id, user_id) {
        question_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    changes (id) {
        id -> BigInt,
        question_id -> BigInt,
        created_at -> Timestamp,
        txid -> BigInt,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        message_id -> Text,
        template -> Text,
        recipient_id -> Nullable<BigInt>,
        to_address -> Text,
        question_id -> Nullable<BigInt>,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consistency_checks (id) {
        id -> BigInt,
        answer_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consistency_cases (id) {
        id -> BigInt,
        question_a -> BigInt,
        question_b -> BigInt,
        answer_a -> BigInt,
        answer_b -> BigInt,
        score -> Double,
        reasons -> Text,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        routed_question -> Nullable<BigInt>,
        created_at -> Timestamp,
        version -> BigInt,
        topic_id -> BigInt,
    }
}

diesel::table! {
    consistency_topics (id) {
        id -> BigInt,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        routed_question -> Nullable<BigInt>,
        merged_into -> Nullable<BigInt>,
        created_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    sla_rollups (dim, month, grp, kind, within_target, bin, slot) {
        dim -> Text,
        month -> Text,
        grp -> Text,
        kind -> Text,
        within_target -> Integer,
        bin -> BigInt,
        n -> BigInt,
        slot -> Integer,
    }
}

diesel::table! {
    jobs (name) {
        name -> Text,
        next_run_at -> Timestamp,
        holder -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_finished_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    possible_divergences (id) {
        id -> BigInt,
        question_a -> BigInt,
        question_b -> BigInt,
        answer_a -> BigInt,
        answer_b -> BigInt,
        score -> Double,
        place -> BigInt,
        reasons -> Text,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        case_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(user_identities -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(stages -> questions (question_id));
diesel::joinable!(answers -> questions (question_id));
diesel::joinable!(stage_pauses -> stages (stage_id));
diesel::joinable!(answer_links -> answers (answer_id));
diesel::joinable!(feed_tokens -> users (user_id));
diesel::joinable!(saved_searches -> users (user_id));
diesel::joinable!(saved_search_hits -> answers (answer_id));

diesel::allow_tables_to_appear_in_same_query!(
    forums,
    forum_parents,
    units,
    users,
    memberships,
    user_identities,
    api_tokens,
    questions,
    stages,
    stage_pauses,
    answers,
    events,
    followers,
    changes,
    outbox,
    consistency_checks,
    consistency_cases,
    consistency_topics,
    possible_divergences,
    answer_links,
    feed_tokens,
    saved_searches,
    saved_search_hits,
);
