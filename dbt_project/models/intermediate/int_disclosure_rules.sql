-- The disclosure rule set (seeds/disclosure_rules.csv) as one row: the frequency rule's minimum of units, the
-- dominance rules and the protection width (pipelines/disclosure.py).
select
    max(rule_set) as rule_set,
    max(rule_set_version) as rule_set_version,
    max(case when parameter = 'min_units' then value end) as min_units,
    max(case when parameter = 'dominance_1_k' then value end) as dominance_1_k,
    max(case when parameter = 'dominance_2_k' then value end) as dominance_2_k,
    max(case when parameter = 'protection_width' then value end) as protection_width
from {{ ref('disclosure_rules') }}
