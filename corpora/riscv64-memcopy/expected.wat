(module
  (type (;0;) (func (param i32)))
  (memory (;0;) 1)
  (func (;0;) (type 0) (param i32)
    (local i32 i32 i64 f64 i32 i32 i32)
    block ;; label = @1
      i32.const 3928
      local.get 1
      i32.const 3
      memory.fill
      block ;; label = @2
        block ;; label = @3
          i32.const 4
          local.set 5
          loop ;; label = @4
            i64.const 9
            drop
            i32.const 0
            i32.const 1368
            i32.const 3
            memory.copy
            i32.const 344
            i32.const 3
            i32.const 0
            drop
            drop
            drop
            i32.const 7
            local.set 6
            loop ;; label = @5
              i32.const 464
              local.get 3
              i64.store16
              f64.const -0x1.adcp+8 (;=-429.75;)
              drop
              local.get 6
              i32.const 1
              i32.sub
              local.tee 6
              br_if 0 (;@5;)
            end
            local.get 1
            local.get 0
            i32.const 64
            memory.copy
            unreachable
          end
          unreachable
        end
        unreachable
      end
      unreachable
    end
    unreachable
  )
)
