-- Published as computed in intermediate.int_sforzi_istat (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_sforzi_istat') }}
